import { expect } from '@jest/globals';
import { type GraphQLResponse } from '../../support/graphql-client.js';
import { type World } from '../world.js';

/**
 * The shape of an authorization-matrix case and the expectations cases are built from: refused
 * with a code, or allowed but showing only the caller's own data.
 */

export type Response = GraphQLResponse<Record<string, unknown>>;

export interface Expectation {
  /** What the case promises, in words (shown in the test name). */
  readonly promise: string;
  readonly check: (response: Response, world: World) => void | Promise<void>;
}

export interface RootCase {
  /** One operation selecting this root field, with fields of the owning subgraph only. */
  readonly document: string;
  readonly variables?: (world: World) => Record<string, unknown>;
  /** Why a caller without a token may use it; absent: UNAUTHENTICATED without a token. */
  readonly publicBecause?: string;
  /** Public, and refuses any token with BAD_USER_INPUT (sealed sends must not name a sender). */
  readonly refusesTokens?: true;
  /** Sent as a multipart upload. */
  readonly upload?: true;
  /** Ends the session it is sent with: Mallory signs in afresh for it. */
  readonly endsSession?: true;
  /** Mallory aiming it at the victim. */
  readonly foreign: Expectation;
}

export const firstCode = (response: Response) => response.errors?.[0]?.extensions?.code;

/** Refused with `code` (or one of `codes`), and the field carries no data. */
export function refused(code: string | readonly string[], field: string): Expectation {
  const codes = typeof code === 'string' ? [code] : code;
  return {
    promise: `refused with ${codes.join(' or ')}`,
    check: (response) => {
      expect(codes).toContain(firstCode(response));
      expect(response.data?.[field] ?? null).toBeNull();
    },
  };
}

/** Succeeds, but what it shows or changes is Mallory's own (or nothing). */
export function ownOnly(
  promise: string,
  check: (data: Record<string, unknown>, world: World) => void | Promise<void>,
): Expectation {
  return {
    promise,
    check: async (response, world) => {
      expect(response.errors ?? []).toEqual([]);
      await check(response.data ?? {}, world);
    },
  };
}

export const text = (value: unknown) => JSON.stringify(value);
