import {
  cells,
  conditional,
  consistency,
  mapLimited,
  ttlSeconds,
  type BatchStatement,
  type CqlSession,
} from '../../../shared/cql/index.js';
import type { RefreshOutcome, SessionRecord } from '../store.js';
import { toSession } from './rows.js';
import { writeConcurrency } from './tuning.js';

/** A `sessions_by_user` entry: a session of the user, and the device it signed in (if known). */
interface UserSession {
  readonly sessionId: string;
  readonly deviceId: number | null;
}

/**
 * Sessions: `sessions` by id (checked on every request), `sessions_by_user` to list and revoke
 * them, and `refresh_tokens` by hash, rotated with `IF used = false` and kept (with a TTL) to
 * detect reuse. Writes of several tables are logged batches: all of them happen, eventually, or
 * none. Rotation updates the session row, never re-creates it: a row a concurrent revocation
 * deleted meanwhile is left without `user_id` and reads as absent.
 */
export class SessionTables {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
  ) {}

  async create(session: SessionRecord, refreshTokenHash: Uint8Array): Promise<void> {
    await this.db.batch(
      [
        {
          query: `INSERT INTO ${this.ks}.sessions (id, user_id, device_id, created_at, last_used_at, expires_at)
                  VALUES (?, ?, ?, ?, ?, ?)`,
          params: [
            session.id,
            session.userId,
            session.deviceId,
            session.createdAt,
            session.lastUsedAt,
            session.expiresAt,
          ],
        },
        {
          query: `INSERT INTO ${this.ks}.sessions_by_user (user_id, session_id, device_id) VALUES (?, ?, ?)`,
          params: [session.userId, session.id, session.deviceId],
        },
        this.refreshTokenInsert(refreshTokenHash, session.id, session.expiresAt),
      ],
      { logged: true },
    );
  }

  async find(id: string): Promise<SessionRecord | null> {
    const row = (
      await this.db.execute(`SELECT * FROM ${this.ks}.sessions WHERE id = ?`, [id])
    ).first();
    return row ? toSession(row) : null;
  }

  /** The user's unexpired sessions, oldest first. */
  async list(userId: string, now: Date): Promise<SessionRecord[]> {
    const entries = await this.ofUser(userId);
    const sessions = await mapLimited(entries, writeConcurrency, (entry) =>
      this.find(entry.sessionId),
    );
    return sessions
      .flatMap((session) => (session && session.expiresAt > now ? [session] : []))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
  }

  /** The ids of the user's sessions. */
  async idsOfUser(userId: string): Promise<string[]> {
    return (await this.ofUser(userId)).map((entry) => entry.sessionId);
  }

  /** The ids of the sessions the device signed in. */
  async idsOfDevice(userId: string, deviceId: number): Promise<string[]> {
    return (await this.ofUser(userId))
      .filter((entry) => entry.deviceId === deviceId)
      .map((entry) => entry.sessionId);
  }

  async rotateRefreshToken(
    presentedHash: Uint8Array,
    nextHash: Uint8Array,
    now: Date,
    expiresAt: Date,
  ): Promise<RefreshOutcome> {
    const token = (
      await this.db.execute(
        `SELECT session_id, used FROM ${this.ks}.refresh_tokens WHERE hash = ?`,
        [presentedHash],
      )
    ).first();
    const sessionId = token ? cells.optionalText(token, 'session_id') : null;
    const session = sessionId === null ? null : await this.find(sessionId);
    if (!token || !session) return { kind: 'unknown' };
    if (cells.bool(token, 'used')) return this.revokeForReuse(session);
    if (session.expiresAt <= now) {
      await this.deleteRows(session.userId, session.id);
      return { kind: 'unknown' };
    }

    // The compare-and-set: only one presenter turns `used` from false to true. Used tokens live
    // as long as the session may, so a late replay is still recognised as reuse.
    const swap = await conditional(
      this.db,
      `UPDATE ${this.ks}.refresh_tokens USING TTL ? SET used = true, replaced_by = ?, session_id = ?
       WHERE hash = ? IF used = false`,
      [ttlSeconds(expiresAt, now), nextHash, session.id, presentedHash],
      async () => {
        const row = (
          await this.db.execute(
            `SELECT replaced_by FROM ${this.ks}.refresh_tokens WHERE hash = ?`,
            [presentedHash],
            { consistency: consistency.localSerial },
          )
        ).first();
        const replacedBy = row && cells.optionalBytes(row, 'replaced_by');
        return replacedBy ? Buffer.from(replacedBy).equals(nextHash) : false;
      },
    );
    if (!swap.applied) return this.revokeForReuse(session);

    // The session row is updated, never re-created: if a concurrent reuse deleted it meanwhile,
    // the partial row this may leave lacks user_id and reads as absent.
    await this.db.batch(
      [
        this.refreshTokenInsert(nextHash, session.id, expiresAt, now),
        {
          query: `UPDATE ${this.ks}.sessions SET last_used_at = ?, expires_at = ? WHERE id = ?`,
          params: [now, expiresAt, session.id],
        },
      ],
      { logged: true },
    );
    return { kind: 'rotated', session: { ...session, lastUsedAt: now, expiresAt } };
  }

  /** Deletes the session if it is the user's; true when it was. */
  async delete(userId: string, sessionId: string): Promise<boolean> {
    const session = await this.find(sessionId);
    if (!session || session.userId !== userId) return false;
    await this.deleteRows(userId, sessionId);
    return true;
  }

  /** Deletes the session's rows (its refresh tokens expire on their own). */
  deletes(userId: string, sessionId: string): BatchStatement[] {
    return [
      { query: `DELETE FROM ${this.ks}.sessions WHERE id = ?`, params: [sessionId] },
      {
        query: `DELETE FROM ${this.ks}.sessions_by_user WHERE user_id = ? AND session_id = ?`,
        params: [userId, sessionId],
      },
    ];
  }

  private async ofUser(userId: string): Promise<UserSession[]> {
    const rows = (
      await this.db.execute(
        `SELECT session_id, device_id FROM ${this.ks}.sessions_by_user WHERE user_id = ?`,
        [userId],
      )
    ).rows;
    return rows.map((row) => ({
      sessionId: cells.text(row, 'session_id'),
      deviceId: cells.optionalInt(row, 'device_id'),
    }));
  }

  private async deleteRows(userId: string, sessionId: string): Promise<void> {
    await this.db.batch(this.deletes(userId, sessionId), { logged: true });
  }

  private async revokeForReuse(session: SessionRecord): Promise<RefreshOutcome> {
    await this.deleteRows(session.userId, session.id);
    return { kind: 'reused', sessionId: session.id, userId: session.userId };
  }

  private refreshTokenInsert(
    hash: Uint8Array,
    sessionId: string,
    expiresAt: Date,
    now: Date = new Date(),
  ): BatchStatement {
    return {
      query: `INSERT INTO ${this.ks}.refresh_tokens (hash, session_id, used) VALUES (?, ?, false) USING TTL ?`,
      params: [hash, sessionId, ttlSeconds(expiresAt, now)],
    };
  }
}
