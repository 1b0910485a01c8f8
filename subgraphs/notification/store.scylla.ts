import {
  cells,
  conditional,
  consistency,
  contentionPause,
  CqlContentionError,
  mapLimited,
  KeyspaceStore,
  openKeyspace,
  type CqlMigration,
  type Row,
  type CqlStoreOptions,
} from '../../shared/cql/index.js';
import { pushPlatforms, type NotificationStore, type PushRegistration } from './store.js';

/**
 * The notification keyspace, modelled for its queries:
 *
 * - `push_registrations`: one partition per device, holding its token. Every write to it is a
 *   lightweight transaction (registration compares the token it replaces, the collapse claim
 *   compares the last push, removals compare the token), so they are serialised per device.
 *   `push_claim` is the id of the claim (the push event) that last set `last_push_at` while its
 *   push is in progress, null once settled; it also settles a lost answer of the claim.
 * - `push_token_holders`: one partition per (platform, token), a row per device that registered
 *   it, written before the device's own row. Registering a token reads it to take the token away
 *   from every other device (a compare-and-set on the token, so a device that moved on keeps its
 *   new one). A stale row (its device holds another token now) is harmless and is deleted then.
 */
const migrations: readonly CqlMigration[] = [
  {
    version: 1,
    description: 'push tokens per device, and the devices per token',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.push_registrations (
         user_id text, device_id int, platform text, push_token text,
         created_at timestamp, last_push_at timestamp, push_claim text,
         PRIMARY KEY ((user_id, device_id)))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.push_token_holders (
         platform text, push_token text, user_id text, device_id int,
         PRIMARY KEY ((platform, push_token), user_id, device_id))`,
    ],
  },
];

/** Compare-and-set attempts before giving up with CqlContentionError. */
const maxAttempts = 40;
/** Statements in flight at once for one bulk write. */
const concurrency = 16;

export type ScyllaNotificationStoreOptions = CqlStoreOptions;

/**
 * The distributed NotificationStore on ScyllaDB (or Cassandra). The collapse claim (`claimPush`)
 * is a lightweight transaction on the device's row (`IF last_push_at = <what was read>`, at
 * LOCAL_SERIAL), so concurrent wake-ups for one device, from any replica, hand a window to one
 * of them only. Where SQLite moves a token in one transaction, `register` takes it from other
 * devices first and then sets it on this one; a crash in between leaves the token on no device
 * until the client registers again (it got no answer, so it retries). Two devices registering one
 * token at the same instant may both keep it, until either registers again.
 */
export class ScyllaNotificationStore extends KeyspaceStore implements NotificationStore {
  /** Connects (in the background, retrying) to the configured cluster and migrates the keyspace. */
  static open(options: ScyllaNotificationStoreOptions): ScyllaNotificationStore {
    return openKeyspace(
      options,
      'notification',
      migrations,
      (db, ks) => new ScyllaNotificationStore(db, ks),
    );
  }

  async register(
    registration: Omit<PushRegistration, 'lastPushAt' | 'createdAt'>,
    now: Date,
  ): Promise<PushRegistration> {
    const { userId, deviceId, platform, token } = registration;
    await this.db.execute(
      `INSERT INTO ${this.ks}.push_token_holders (platform, push_token, user_id, device_id)
       VALUES (?, ?, ?, ?)`,
      [platform, token, userId, deviceId],
    );
    await this.takeFromOtherDevices(registration);

    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const current = await this.registration(userId, deviceId, consistency.localSerial);
      // Same token again: its history stays.
      if (current?.platform === platform && current.token === token) return current;
      const outcome = await conditional(
        this.db,
        `UPDATE ${this.ks}.push_registrations SET platform = ?, push_token = ?, created_at = ?,
           last_push_at = null, push_claim = null
         WHERE user_id = ? AND device_id = ? IF platform = ? AND push_token = ?`,
        [platform, token, now, userId, deviceId, current?.platform ?? null, current?.token ?? null],
        async () => {
          const after = await this.registration(userId, deviceId, consistency.localSerial);
          return after?.token === token && after.createdAt.getTime() === now.getTime();
        },
      );
      if (outcome.applied) {
        if (current) await this.dropHolder(current);
        return { userId, deviceId, platform, token, createdAt: now, lastPushAt: null };
      }
      await contentionPause(attempt);
    }
    throw new CqlContentionError('registering a push token');
  }

  async findRegistration(userId: string, deviceId: number): Promise<PushRegistration | null> {
    return this.registration(userId, deviceId, consistency.localQuorum);
  }

  /** One read: `IN` on the last column of the (user, device) partition key. */
  async findRegistrations(
    userId: string,
    deviceIds: readonly number[],
  ): Promise<PushRegistration[]> {
    const unique = [...new Set(deviceIds)];
    if (unique.length === 0) return [];
    const rows = (
      await this.db.execute(
        `SELECT user_id, device_id, platform, push_token, created_at, last_push_at
         FROM ${this.ks}.push_registrations WHERE user_id = ? AND device_id IN ?`,
        [userId, unique],
        { consistency: consistency.localQuorum },
      )
    ).rows;
    return rows.flatMap((row) => toRegistration(row) ?? []);
  }

  async removeRegistration(userId: string, deviceId: number): Promise<boolean> {
    const current = await this.registration(userId, deviceId, consistency.localQuorum);
    if (!current) return false;
    const outcome = await conditional(
      this.db,
      `DELETE FROM ${this.ks}.push_registrations WHERE user_id = ? AND device_id = ? IF EXISTS`,
      [userId, deviceId],
      async () => (await this.registration(userId, deviceId, consistency.localSerial)) === null,
    );
    if (outcome.applied) await this.dropHolder(current);
    return outcome.applied;
  }

  async removeUserRegistrations(userId: string, deviceIds: readonly number[]): Promise<number> {
    const removed = await mapLimited([...new Set(deviceIds)], 16, (deviceId) =>
      this.removeRegistration(userId, deviceId),
    );
    return removed.filter(Boolean).length;
  }

  async removeToken(userId: string, deviceId: number, token: string): Promise<boolean> {
    const current = await this.registration(userId, deviceId, consistency.localQuorum);
    if (current?.token !== token) return false;
    const outcome = await conditional(
      this.db,
      `DELETE FROM ${this.ks}.push_registrations WHERE user_id = ? AND device_id = ? IF push_token = ?`,
      [userId, deviceId, token],
      async () => (await this.registration(userId, deviceId, consistency.localSerial)) === null,
    );
    if (outcome.applied) await this.dropHolder(current);
    return outcome.applied;
  }

  async claimPush(
    userId: string,
    deviceId: number,
    now: Date,
    windowMs: number,
    claimId: string,
  ): Promise<PushRegistration | null> {
    const claim = claimId;
    let row = await this.row(userId, deviceId, consistency.localQuorum);
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const current = row && toRegistration(row);
      if (!row || !current) return null;
      // A redelivery of the event whose push is still in progress: it may send it.
      if (cells.optionalText(row, 'push_claim') === claim) return current;
      const last = current.lastPushAt;
      if (last !== null && last.getTime() > now.getTime() - windowMs) return null;
      const outcome = await conditional(
        this.db,
        `UPDATE ${this.ks}.push_registrations SET last_push_at = ?, push_claim = ?
         WHERE user_id = ? AND device_id = ? IF push_token = ? AND last_push_at = ?`,
        [now, claim, userId, deviceId, current.token, last],
        async () => {
          const row = await this.row(userId, deviceId, consistency.localSerial);
          return row !== null && cells.optionalText(row, 'push_claim') === claim;
        },
      );
      if (outcome.applied) return { ...current, lastPushAt: now };
      // Another claim (or a registration) came first: decide again on what it left.
      row = await this.row(userId, deviceId, consistency.localSerial);
    }
    throw new CqlContentionError('claiming a push');
  }

  async settlePush(userId: string, deviceId: number, claimId: string): Promise<boolean> {
    const outcome = await conditional(
      this.db,
      `UPDATE ${this.ks}.push_registrations SET push_claim = null
       WHERE user_id = ? AND device_id = ? IF push_claim = ?`,
      [userId, deviceId, claimId],
      async () => {
        const row = await this.row(userId, deviceId, consistency.localSerial);
        return row === null || cells.optionalText(row, 'push_claim') !== claimId;
      },
    );
    return outcome.applied;
  }

  // --- internals ---

  /**
   * Removes the token from every other device that still holds it (compare-and-set on the token,
   * so a device that has registered another one since keeps it), and forgets those holders.
   */
  private async takeFromOtherDevices(
    registration: Omit<PushRegistration, 'lastPushAt' | 'createdAt'>,
  ): Promise<void> {
    const { userId, deviceId, platform, token } = registration;
    const holders = (
      await this.db.execute(
        `SELECT user_id, device_id FROM ${this.ks}.push_token_holders WHERE platform = ? AND push_token = ?`,
        [platform, token],
      )
    ).rows
      .map((row) => ({ userId: cells.text(row, 'user_id'), deviceId: cells.int(row, 'device_id') }))
      .filter((holder) => holder.userId !== userId || holder.deviceId !== deviceId);
    await mapLimited(holders, concurrency, async (holder) => {
      await conditional(
        this.db,
        `DELETE FROM ${this.ks}.push_registrations WHERE user_id = ? AND device_id = ?
         IF platform = ? AND push_token = ?`,
        [holder.userId, holder.deviceId, platform, token],
        async () => {
          const left = await this.registration(
            holder.userId,
            holder.deviceId,
            consistency.localSerial,
          );
          return left?.platform !== platform || left.token !== token;
        },
      );
      await this.dropHolder({ ...holder, platform, token });
    });
  }

  /** Forgets that a device held a token (it no longer does). */
  private async dropHolder(
    holder: Pick<PushRegistration, 'userId' | 'deviceId' | 'platform' | 'token'>,
  ): Promise<void> {
    await this.db.execute(
      `DELETE FROM ${this.ks}.push_token_holders
       WHERE platform = ? AND push_token = ? AND user_id = ? AND device_id = ?`,
      [holder.platform, holder.token, holder.userId, holder.deviceId],
    );
  }

  private async row(userId: string, deviceId: number, readConsistency: number) {
    return await this.db.first(
      `SELECT user_id, device_id, platform, push_token, created_at, last_push_at, push_claim
         FROM ${this.ks}.push_registrations WHERE user_id = ? AND device_id = ?`,
      [userId, deviceId],
      { consistency: readConsistency },
    );
  }

  private async registration(
    userId: string,
    deviceId: number,
    readConsistency: number,
  ): Promise<PushRegistration | null> {
    const row = await this.row(userId, deviceId, readConsistency);
    return row ? toRegistration(row) : null;
  }
}

/** A registration, or null for a row without a token (none is ever written; be safe). */
function toRegistration(row: Row): PushRegistration | null {
  const token = cells.optionalText(row, 'push_token');
  if (token === null) return null;
  return {
    userId: cells.text(row, 'user_id'),
    deviceId: cells.int(row, 'device_id'),
    platform: cells.oneOf(row, 'platform', pushPlatforms),
    token,
    createdAt: cells.date(row, 'created_at'),
    lastPushAt: cells.optionalDate(row, 'last_push_at'),
  };
}
