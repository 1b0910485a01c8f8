import type { SqliteDatabase } from '../../../shared/sqlite/index.js';
import type { Wakeup } from '../store.js';

interface WakeupRow {
  envelope_id: string;
  user_id: string;
  device_id: number;
  created_at: number;
}

/**
 * `wakeup_outbox`: wake-ups of stored envelopes that the bus did not take, until the relay
 * publishes them. Synchronous: index.ts adds transactions.
 */
export class WakeupOutboxTable {
  constructor(private readonly db: SqliteDatabase) {}

  keep(wakeups: readonly Wakeup[]): void {
    const insert = this.db.prepare(
      `INSERT INTO wakeup_outbox (envelope_id, user_id, device_id, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (envelope_id) DO NOTHING`,
    );
    for (const wakeup of wakeups)
      insert.run(wakeup.envelopeId, wakeup.userId, wakeup.deviceId, wakeup.createdAt.getTime());
  }

  kept(limit: number, since: Date): Wakeup[] {
    const rows = this.db
      .prepare('SELECT * FROM wakeup_outbox WHERE created_at > ? LIMIT ?')
      .all(since.getTime(), limit) as WakeupRow[];
    return rows.map((row) => ({
      envelopeId: row.envelope_id,
      userId: row.user_id,
      deviceId: row.device_id,
      createdAt: new Date(row.created_at),
    }));
  }

  drop(envelopeIds: readonly string[]): void {
    const remove = this.db.prepare('DELETE FROM wakeup_outbox WHERE envelope_id = ?');
    for (const id of envelopeIds) remove.run(id);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM wakeup_outbox').get() as { n: number }).n;
  }

  deleteOlderThan(before: Date): void {
    this.db.prepare('DELETE FROM wakeup_outbox WHERE created_at <= ?').run(before.getTime());
  }
}
