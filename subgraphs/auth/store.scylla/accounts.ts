import {
  cells,
  conditional,
  consistency,
  contentionPause,
  CqlContentionError,
  inChunks,
  mapLimited,
  ttlSeconds,
  type BatchStatement,
  type CqlSession,
} from '../../../shared/cql/index.js';
import { quarantineKey } from '../store-rules.js';
import type { UserRecord } from '../store.js';
import { toUser } from './rows.js';
import { inChunkSize, maxAttempts, readConcurrency } from './tuning.js';

const userColumns = 'id, username, password_hash, created_at';

/**
 * Accounts: `users` by id and `usernames`, the uniqueness claim. An account is reachable by name
 * only once its username is claimed, which `createUser` does last (see index.ts).
 */
export class AccountTables {
  constructor(
    private readonly db: CqlSession,
    private readonly ks: string,
  ) {}

  async insert(user: UserRecord): Promise<void> {
    await this.db.execute(`INSERT INTO ${this.ks}.users (${userColumns}) VALUES (?, ?, ?, ?)`, [
      user.id,
      user.username,
      user.passwordHash,
      user.createdAt,
    ]);
  }

  async findById(id: string): Promise<UserRecord | null> {
    const row = (
      await this.db.execute(`SELECT ${userColumns} FROM ${this.ks}.users WHERE id = ?`, [id])
    ).first();
    return row ? toUser(row) : null;
  }

  async findByIds(ids: readonly string[]): Promise<UserRecord[]> {
    const chunks = await mapLimited(inChunks(ids, inChunkSize), readConcurrency, async (chunk) =>
      (
        await this.db.execute(`SELECT ${userColumns} FROM ${this.ks}.users WHERE id IN ?`, [chunk])
      ).rows.flatMap((row) => toUser(row) ?? []),
    );
    return chunks.flat();
  }

  async findByUsername(username: string): Promise<UserRecord | null> {
    const owner = await this.usernameOwner(username, consistency.localQuorum);
    if (owner === null) return null;
    const user = await this.findById(owner);
    return user?.username === username ? user : null;
  }

  /** True when the username is now this user's (also when an earlier, timed-out attempt won it). */
  async claimUsername(user: UserRecord): Promise<boolean> {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const outcome = await conditional(
        this.db,
        `INSERT INTO ${this.ks}.usernames (username, user_id) VALUES (?, ?) IF NOT EXISTS`,
        [user.username, user.id],
        async () => (await this.usernameOwner(user.username, consistency.localSerial)) === user.id,
      );
      if (outcome.applied) return true;
      const owner = outcome.current
        ? cells.optionalText(outcome.current, 'user_id')
        : await this.usernameOwner(user.username, consistency.localSerial);
      if (owner !== null) return owner === user.id;
      // Neither ours nor anyone's: our proposal lost a Paxos round that nobody finished. Again.
      await contentionPause(attempt);
    }
    throw new CqlContentionError('claiming a username');
  }

  /** Whether the username is quarantined after an account deletion (the row's TTL ends it). */
  async isQuarantined(username: string): Promise<boolean> {
    const row = await this.db.first(
      `SELECT username_hash FROM ${this.ks}.username_quarantine WHERE username_hash = ?`,
      [quarantineKey(username)],
      { consistency: consistency.localQuorum },
    );
    return row !== null;
  }

  /** Quarantines the username until `until`: written before the username's claim is deleted. */
  async quarantine(username: string, until: Date, now: Date): Promise<void> {
    await this.db.execute(
      `INSERT INTO ${this.ks}.username_quarantine (username_hash) VALUES (?) USING TTL ?`,
      [quarantineKey(username), ttlSeconds(until, now)],
      { consistency: consistency.localQuorum },
    );
  }

  /** Gives up the user's claim of their username (deleted, or turned out quarantined). */
  async releaseUsername(user: UserRecord): Promise<void> {
    await conditional(
      this.db,
      `DELETE FROM ${this.ks}.usernames WHERE username = ? IF user_id = ?`,
      [user.username, user.id],
      async () => (await this.usernameOwner(user.username, consistency.localSerial)) !== user.id,
    );
  }

  /** Deletes the `users` row (of an account whose username was never claimed). */
  userDelete(userId: string): BatchStatement {
    return { query: `DELETE FROM ${this.ks}.users WHERE id = ?`, params: [userId] };
  }

  private async usernameOwner(username: string, readConsistency: number): Promise<string | null> {
    const row = (
      await this.db.execute(
        `SELECT user_id FROM ${this.ks}.usernames WHERE username = ?`,
        [username],
        { consistency: readConsistency },
      )
    ).first();
    return row ? cells.optionalText(row, 'user_id') : null;
  }
}
