import {
  cells,
  inChunks,
  mapLimited,
  type BatchStatement,
  type CqlSession,
} from '../../../shared/cql/index.js';
import type { UnidentifiedAccessRecord } from '../store.js';
import { inChunkSize, readConcurrency } from './tuning.js';

/** Sealed sender's `unidentified_access`, one row per user who ever set it. */
export class UnidentifiedAccessTables {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
  ) {}

  async set(access: UnidentifiedAccessRecord): Promise<void> {
    await this.db.execute(
      `INSERT INTO ${this.ks}.unidentified_access (user_id, access_key, unrestricted) VALUES (?, ?, ?)`,
      [access.userId, access.accessKey ? Buffer.from(access.accessKey) : null, access.unrestricted],
    );
  }

  async find(userIds: readonly string[]): Promise<UnidentifiedAccessRecord[]> {
    const chunks = await mapLimited(
      inChunks(userIds, inChunkSize),
      readConcurrency,
      async (chunk) =>
        (
          await this.db.execute(
            `SELECT user_id, access_key, unrestricted FROM ${this.ks}.unidentified_access WHERE user_id IN ?`,
            [chunk],
          )
        ).rows.map((row): UnidentifiedAccessRecord => ({
          userId: cells.text(row, 'user_id'),
          accessKey: cells.optionalBytes(row, 'access_key'),
          unrestricted: cells.bool(row, 'unrestricted'),
        })),
    );
    return chunks.flat();
  }

  /** Deletes the user's row (a deleted account). */
  userDelete(userId: string): BatchStatement {
    return {
      query: `DELETE FROM ${this.ks}.unidentified_access WHERE user_id = ?`,
      params: [userId],
    };
  }
}
