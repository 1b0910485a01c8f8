import { randomUUID } from 'node:crypto';
import { conditional, contentionPause } from './conditional.js';
import { CqlContentionError } from './errors.js';
import { consistency, type CqlExecutor, type Row } from './session.js';

/** A table whose rows are handed out once each (one-time keys, KeyPackages). */
export interface ClaimableTable {
  /** `<keyspace>.<table>`; it has a `claimed_by text` column. */
  readonly table: string;
  /** The primary-key columns, in the order of each candidate's `key`. */
  readonly keyColumns: readonly string[];
  /** A column every live row has: a claim must not re-create a row that is gone. */
  readonly presentColumn: string;
}

export interface ClaimOptions {
  /** Reads unclaimed candidates (rows whose `claimed_by` is null), in the order to try them. */
  readonly candidates: () => Promise<readonly Row[]>;
  /** The candidate row's primary key, in `keyColumns` order. */
  readonly keyOf: (row: Row) => readonly unknown[];
  /** Says what is being claimed, for the contention error. */
  readonly what: string;
  /** Rounds of (read candidates, try each) before CqlContentionError; default 40. */
  readonly maxRounds?: number;
}

/**
 * Hands one row to this caller and nobody else, and deletes it. For each candidate, a lightweight
 * transaction sets `claimed_by` from null to a token of this call (`IF claimed_by = null AND
 * <present> != null`); a lost answer is settled by reading the row at SERIAL consistency, so a
 * timeout neither hands a row out twice nor loses one this call won. The winner then deletes the
 * row with a plain delete; readers skip rows with `claimed_by` set meanwhile (or for ever, should
 * the delete be lost). A candidate taken by a racer moves on to the next; when all are gone the
 * candidates are read again. Resolves with the claimed row, or null when none is left.
 */
export async function claimOne(
  db: CqlExecutor,
  table: ClaimableTable,
  options: ClaimOptions,
): Promise<Row | null> {
  const token = randomUUID();
  const where = `WHERE ${table.keyColumns.map((column) => `${column} = ?`).join(' AND ')}`;
  for (let round = 0; round < (options.maxRounds ?? 40); round++) {
    const candidates = await options.candidates();
    if (candidates.length === 0) return null;
    for (const row of candidates) {
      const key = options.keyOf(row);
      const outcome = await conditional(
        db,
        `UPDATE ${table.table} SET claimed_by = ? ${where}
         IF claimed_by = null AND ${table.presentColumn} != null`,
        [token, ...key],
        async () => {
          const current = (
            await db.execute(`SELECT claimed_by FROM ${table.table} ${where}`, key, {
              consistency: consistency.localSerial,
            })
          ).first();
          return current?.get('claimed_by') === token;
        },
      );
      if (outcome.applied) {
        await db.execute(`DELETE FROM ${table.table} ${where}`, key);
        return row;
      }
    }
    await contentionPause(round);
  }
  throw new CqlContentionError(options.what);
}
