import { backoffMs, fullJitter } from '../retry/index.js';
import { isUnknownWriteOutcome } from './errors.js';
import type { BatchStatement, CqlExecutor, ResultSet, Row } from './session.js';

/** What a lightweight transaction did. */
export interface ConditionalOutcome {
  readonly applied: boolean;
  /**
   * When not applied: the current values of the conditioned columns, as the server returned them;
   * undefined when the outcome was found out by `resolve` after a timeout (read them again).
   */
  readonly current: Row | undefined;
}

/**
 * Finds out whether a lightweight transaction whose answer was lost took effect. It must read the
 * row at SERIAL (`consistency.localSerial`) consistency, which also completes or cancels a Paxos
 * round left in flight, and tell whether *this* write is the one that is there (compare a value
 * only this caller wrote: its id, its token).
 */
export type OutcomeResolver = () => Promise<boolean>;

/**
 * Runs one lightweight transaction (`... IF NOT EXISTS`, `... IF col = ?`, `... IF EXISTS`). A
 * timeout leaves the outcome unknown: then `resolve` decides, so a caller never counts a claim
 * twice nor forgets one it won.
 */
export async function conditional(
  db: CqlExecutor,
  query: string,
  params: readonly unknown[],
  resolve: OutcomeResolver,
): Promise<ConditionalOutcome> {
  return outcomeOf(() => db.execute(query, params, { idempotent: false }), resolve);
}

/**
 * A conditional batch: statements of one partition of one table, applied together if and only if
 * every condition holds. Outcomes lost to a timeout are resolved as in `conditional`.
 */
export async function conditionalBatch(
  db: CqlExecutor,
  statements: readonly BatchStatement[],
  resolve: OutcomeResolver,
): Promise<ConditionalOutcome> {
  return outcomeOf(() => db.batch(statements, { logged: false, idempotent: false }), resolve);
}

/** What a conditional write did: as the server answered, or as `resolve` finds after a timeout. */
async function outcomeOf(
  write: () => Promise<ResultSet>,
  resolve: OutcomeResolver,
): Promise<ConditionalOutcome> {
  try {
    const result = await write();
    return {
      applied: result.wasApplied(),
      current: result.wasApplied() ? undefined : result.first(),
    };
  } catch (error) {
    if (!isUnknownWriteOutcome(error)) throw error;
    return { applied: await resolve(), current: undefined };
  }
}

const contentionBackoff = { initialMs: 10, maxMs: 200 };

/** A short random pause before retrying a lost race, so racers do not collide again in step. */
export function contentionPause(attempt: number): Promise<void> {
  const ms = fullJitter(backoffMs(contentionBackoff, attempt + 1));
  return new Promise((resolve) => setTimeout(resolve, ms));
}
