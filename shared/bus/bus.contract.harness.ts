/**
 * The bus contract's harness, shared by the `bus.contract.*.test.ts` files (core, durable,
 * close): every implementation, a per-test subject namespace and the buses it opened. The NATS
 * run needs a server with JetStream (GUARDYN_MESSAGING__NATS_URL, default nats://127.0.0.1:4222):
 * without one it is skipped, or fails when CI is set. It isolates itself on a shared server with
 * a stream and subject prefix of its own (deleted at the end), and a subject namespace per test.
 */
import { afterAll, afterEach, beforeEach, describe, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  createInProcessBus,
  createNatsBus,
  type BusErrorContext,
  type BusMessage,
  type BusOptions,
  type EventBus,
} from './index.js';
import { jetStreamErrorCode } from './nats-jetstream.js';
import { probeNats } from '../../test/support/nats-probe.js';
import { connect } from 'nats';

const natsUrl = process.env.GUARDYN_MESSAGING__NATS_URL ?? 'nats://127.0.0.1:4222';
export const runId = `t${randomUUID().slice(0, 8)}`;
const streamName = `TEST_${runId}`;
const durableSubjects = [`${runId}.push.>`, `${runId}.device.revoked.>`];

const natsUnavailable = await probeNats(natsUrl);
if (natsUnavailable !== undefined) {
  process.stderr.write(`bus.contract: skipping the NATS bus: ${natsUnavailable}\n`);
}

export interface Implementation {
  readonly name: string;
  readonly skipReason: string | undefined;
  /** Buses it opens share one broker, whose durable state outlives a bus. */
  readonly sharedBroker: boolean;
  open(options: BusOptions): Promise<EventBus>;
  cleanup(): Promise<void>;
}

const implementations: readonly Implementation[] = [
  {
    name: 'in-process',
    skipReason: undefined,
    sharedBroker: false,
    open: async (options) => createInProcessBus(options),
    cleanup: async () => undefined,
  },
  {
    name: 'nats',
    skipReason: natsUnavailable,
    sharedBroker: true,
    open: (options) =>
      createNatsBus({ url: natsUrl, streamName, name: `bus-contract-${runId}`, ...options }),
    async cleanup() {
      const nc = await connect({ servers: natsUrl, timeout: 2_000, reconnect: false });
      try {
        await (await nc.jetstreamManager()).streams.delete(streamName);
      } catch (error) {
        if (jetStreamErrorCode(error) !== 10059) throw error; // stream not found: never created
      } finally {
        await nc.close();
      }
    },
  },
];

/** Retries an assertion until it passes or the deadline is reached (then its failure is thrown). */
export async function eventually(assertion: () => void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A handler that records what it receives. */
export function collector() {
  const received: BusMessage[] = [];
  return {
    received,
    handler: (message: BusMessage): void => {
      received.push(message);
    },
    data: (): unknown[] => received.map((message) => message.data),
  };
}

/** What a contract test sees: its implementation, its subjects and the buses it opens. */
export interface BusContract {
  readonly implementation: Implementation;
  /** Subject namespace of the current test: core subjects under `core`, durable under `push`. */
  ns: string;
  core: string;
  push: string;
  readonly errors: { error: unknown; context: BusErrorContext }[];
  open(overrides?: Partial<BusOptions>): Promise<EventBus>;
  errorKinds(): string[];
  readonly itWithSharedBroker: typeof it | typeof it.skip;
}

function contractFor(implementation: Implementation): BusContract {
  const buses: EventBus[] = [];
  const errors: { error: unknown; context: BusErrorContext }[] = [];
  const t: BusContract = {
    implementation,
    ns: '',
    core: '',
    push: '',
    errors,
    async open(overrides = {}) {
      const bus = await implementation.open({
        durableSubjects,
        retry: { initialMs: 20, maxMs: 200 },
        onError: (error, context) => errors.push({ error, context }),
        ...overrides,
      });
      buses.push(bus);
      return bus;
    },
    errorKinds: () => errors.map(({ context }) => context.kind),
    itWithSharedBroker: implementation.sharedBroker ? it : it.skip,
  };

  beforeEach(() => {
    t.ns = randomUUID().slice(0, 8);
    t.core = `${runId}.${t.ns}`;
    t.push = `${runId}.push.${t.ns}`;
  });

  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
    errors.length = 0;
  });

  afterAll(() => implementation.cleanup());
  return t;
}

/** Declares `<implementation> event bus` › `subject` for every implementation (skipped ones too). */
export function describeBusContract(subject: string, tests: (t: BusContract) => void): void {
  const contract = (implementation: Implementation): void => {
    const t = contractFor(implementation);
    describe(subject, () => tests(t));
  };
  describe.each(implementations.filter(({ skipReason }) => skipReason === undefined))(
    '$name event bus',
    contract,
  );
  for (const implementation of implementations.filter(({ skipReason }) => skipReason)) {
    describe.skip(`${implementation.name} event bus (skipped: ${implementation.skipReason})`, () =>
      contract(implementation));
  }
}
