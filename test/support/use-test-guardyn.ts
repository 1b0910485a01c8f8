/**
 * The usual preamble of an integration test file: one embedded Guardyn started before its tests
 * and disposed of after them. Apart from test-guardyn.ts because that one also serves the
 * benchmarks, which run outside jest.
 */
import { afterAll, beforeAll } from '@jest/globals';
import { startTestGuardyn, type TestGuardyn, type TestGuardynOptions } from './test-guardyn.js';

/** The Guardyn of a test file (or describe block), readable once its beforeAll has run. */
export interface GuardynWorld {
  readonly guardyn: TestGuardyn;
  /** The gateway's GraphQL endpoint. */
  readonly url: string;
}

/**
 * Registers the beforeAll that starts a Guardyn and the afterAll that disposes of it, in the
 * calling scope. Options may come from a function, run in that beforeAll, for what must exist first
 * (stores, loopback push providers). Setup of the file's own (accounts, conversations) goes in a
 * beforeAll after this call: jest runs hooks in the order they were registered.
 */
export function useTestGuardyn(
  options: TestGuardynOptions | (() => Promise<TestGuardynOptions>) = {},
): GuardynWorld {
  let started: TestGuardyn | undefined;
  beforeAll(async () => {
    started = await startTestGuardyn(typeof options === 'function' ? await options() : options);
  });
  afterAll(() => started?.dispose());
  const guardyn = (): TestGuardyn => {
    if (!started) throw new Error('the Guardyn starts in beforeAll: read it in a hook or a test');
    return started;
  };
  return {
    get guardyn() {
      return guardyn();
    },
    get url() {
      return guardyn().url;
    },
  };
}
