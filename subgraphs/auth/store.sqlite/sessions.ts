import type { SqliteDatabase } from '../../../shared/sqlite/index.js';
import type { RefreshOutcome, SessionRecord } from '../store.js';
import { toSession, type SessionRow } from './rows.js';

/**
 * Sessions and every refresh token each was given; used tokens stay (until the session goes) to
 * detect reuse. Synchronous: index.ts adds transactions.
 */
export class SessionTables {
  constructor(private readonly db: SqliteDatabase) {}

  create(session: SessionRecord, refreshTokenHash: Uint8Array): void {
    this.db
      .prepare(
        'INSERT INTO sessions (id, user_id, device_id, created_at, last_used_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(
        session.id,
        session.userId,
        session.deviceId,
        session.createdAt.getTime(),
        session.lastUsedAt.getTime(),
        session.expiresAt.getTime(),
      );
    this.insertRefreshToken(refreshTokenHash, session.id);
  }

  find(id: string): SessionRecord | null {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as
      SessionRow | undefined;
    return row ? toSession(row) : null;
  }

  /** The user's unexpired sessions, oldest first. */
  list(userId: string, now: Date): SessionRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY created_at')
      .all(userId, now.getTime()) as SessionRow[];
    return rows.map(toSession);
  }

  /** The ids of the sessions the device signed in. */
  idsOfUser(userId: string): string[] {
    const rows = this.db.prepare('SELECT id FROM sessions WHERE user_id = ?').all(userId) as {
      id: string;
    }[];
    return rows.map((row) => row.id);
  }

  idsOfDevice(userId: string, deviceId: number): string[] {
    const rows = this.db
      .prepare('SELECT id FROM sessions WHERE user_id = ? AND device_id = ?')
      .all(userId, deviceId) as { id: string }[];
    return rows.map((row) => row.id);
  }

  /** Run in a transaction: the check of `used` and the swap must not interleave with another. */
  rotateRefreshToken(
    presentedHash: Uint8Array,
    nextHash: Uint8Array,
    now: Date,
    expiresAt: Date,
  ): RefreshOutcome {
    const token = this.db
      .prepare(
        `SELECT t.used, s.* FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.hash = ?`,
      )
      .get(presentedHash) as (SessionRow & { used: number }) | undefined;
    if (!token) return { kind: 'unknown' };
    if (token.used !== 0) {
      this.deleteById(token.id);
      return { kind: 'reused', sessionId: token.id, userId: token.user_id };
    }
    if (token.expires_at <= now.getTime()) {
      this.deleteById(token.id);
      return { kind: 'unknown' };
    }
    this.db.prepare('UPDATE refresh_tokens SET used = 1 WHERE hash = ?').run(presentedHash);
    this.insertRefreshToken(nextHash, token.id);
    this.db
      .prepare('UPDATE sessions SET last_used_at = ?, expires_at = ? WHERE id = ?')
      .run(now.getTime(), expiresAt.getTime(), token.id);
    return {
      kind: 'rotated',
      session: toSession({
        ...token,
        last_used_at: now.getTime(),
        expires_at: expiresAt.getTime(),
      }),
    };
  }

  /** Deletes the session if it is the user's; true when it was. Its refresh tokens cascade. */
  delete(userId: string, sessionId: string): boolean {
    return (
      this.db.prepare('DELETE FROM sessions WHERE id = ? AND user_id = ?').run(sessionId, userId)
        .changes > 0
    );
  }

  private deleteById(sessionId: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id = ?').run(sessionId);
  }

  private insertRefreshToken(hash: Uint8Array, sessionId: string): void {
    this.db
      .prepare('INSERT INTO refresh_tokens (hash, session_id) VALUES (?, ?)')
      .run(hash, sessionId);
  }
}
