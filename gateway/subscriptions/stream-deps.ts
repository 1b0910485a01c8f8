import { GraphQLError, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { OperationResult, OperationRunner } from '../execution/operation-runner.js';
import type { ConversationPeers } from '../../shared/federation/index.js';
import type { Repeater } from './timer-wheel.js';
import type { TopicHub } from './topic-hub.js';

/** What every subscription stream needs from the bridge. */
export interface StreamDependencies {
  readonly schema: GraphQLSchema;
  readonly run: OperationRunner;
  readonly hub: TopicHub;
  readonly peers: ConversationPeers;
  /** Most results a stream holds for a client that does not read. */
  readonly maxQueuedResults: number;
  /** Repeats messageReceived's mailbox re-read without a hint (core NATS may drop one). */
  readonly mailboxPolls: Repeater;
  /** Repeats the re-check of rights granted at subscribe time (typing, presenceChanged). */
  readonly rechecks: Repeater;
  /** Called when a stream's client falls too far behind. */
  readonly onSlowConsumer: () => void;
  readonly onError: (error: unknown) => void;
}

/** What a subscription stream yields, as graphql-ws sends it. */
export type StreamResult = ExecutionResult<Record<string, unknown>>;

/**
 * Turns a gateway result (errors already formatted for clients) into what graphql-ws sends;
 * it serializes errors with `toJSON`, so they become GraphQLErrors again, details unchanged.
 */
export function toStreamResult(result: OperationResult): StreamResult {
  const errors = result.errors?.map(
    (error) =>
      new GraphQLError(error.message, {
        ...(error.path ? { path: error.path } : {}),
        ...(error.extensions ? { extensions: error.extensions } : {}),
      }),
  );
  return {
    ...(result.data !== undefined ? { data: result.data } : {}),
    ...(errors ? { errors } : {}),
  };
}

/** A one-result stream carrying errors (a refused subscription). */
export function errorResult(
  message: string,
  code: string,
  extensions: Record<string, unknown> = {},
): StreamResult {
  return { errors: [new GraphQLError(message, { extensions: { code, ...extensions } })] };
}
