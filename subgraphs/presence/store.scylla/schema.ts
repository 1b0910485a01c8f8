import { createHash } from 'node:crypto';
import type { CqlMigration } from '../../../shared/cql/index.js';

/** Tombstones (closed and expired connections, users gone offline) are purged after 3 h. */
const gcGraceSeconds = 3 * 3600;

const presenceColumns =
  'chosen text, chosen_at timestamp, last_active_at timestamp, announced text';
/** The columns of a presence record, in `presenceValues` order. */
export const presenceColumnNames = 'user_id, chosen, chosen_at, last_active_at, announced';

/** Partitions of `present_users` and `connected_users`. */
const userShards = 16;

/** The partition of `present_users` and `connected_users` that holds a user. */
export function shardOf(userId: string): number {
  return createHash('sha256').update(userId).digest().readUInt32BE(0) % userShards;
}

/** Every partition of `present_users` and `connected_users`. */
export function shards(): number[] {
  return Array.from({ length: userShards }, (_, shard) => shard);
}

/**
 * The presence keyspace, modelled for its queries:
 *
 * - `presence`: one row per user, the record as the service saves it (`findPresence`). It has no
 *   TTL: the last-seen time outlives every socket, as in SQLite.
 * - `present_users`: a copy of the records whose announced status is not OFFLINE, in 16 partitions
 *   by a hash of the user id (`listAnnouncedPresent` reads those 16, never the whole `presence`
 *   table). It is bounded by the users currently announced present: `savePresence` writes the
 *   record and inserts or deletes its copy in one logged batch, whose single write timestamp
 *   makes the latest save win in both tables alike.
 * - `connections` (by connection id, for `removeConnection`) and `connections_by_user` (one
 *   partition per user, for `hasLiveConnection`): each heartbeat rewrites both `USING TTL` a
 *   little above the liveness window, so a connection whose gateway died disappears by itself.
 * - `connected_users`: the users with connections, in 16 partitions by hash, rewritten with the
 *   same TTL on each heartbeat; `expireConnections` reads them and each user's connections.
 * - `presence_visibility`: each user's setting, apart from `presence`, which connection events
 *   rewrite whole. `readPresenceBatch` reads it, `presence` and `connections_by_user` with
 *   partition `IN` lists of at most 100 users.
 *
 * Why not an index of heartbeats by time bucket: every heartbeat would move its connection to a
 * newer bucket, leaving a tombstone per heartbeat for the sweep to wade through; here a sweep reads
 * one small partition per connected user, of live rows only.
 */
export const migrations: readonly CqlMigration[] = [
  {
    version: 1,
    description: 'presence by user, announced-present users, connections with heartbeats',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.presence (
         user_id text PRIMARY KEY, ${presenceColumns})`,
      `CREATE TABLE IF NOT EXISTS ${ks}.present_users (
         shard int, user_id text, ${presenceColumns}, PRIMARY KEY (shard, user_id))
       WITH gc_grace_seconds = ${gcGraceSeconds}`,
      `CREATE TABLE IF NOT EXISTS ${ks}.connections (
         connection_id text PRIMARY KEY, user_id text, device_id int, last_heartbeat_at timestamp)
       WITH gc_grace_seconds = ${gcGraceSeconds}`,
      `CREATE TABLE IF NOT EXISTS ${ks}.connections_by_user (
         user_id text, connection_id text, device_id int, last_heartbeat_at timestamp,
         PRIMARY KEY (user_id, connection_id))
       WITH gc_grace_seconds = ${gcGraceSeconds}`,
      `CREATE TABLE IF NOT EXISTS ${ks}.connected_users (
         shard int, user_id text, last_heartbeat_at timestamp, PRIMARY KEY (shard, user_id))
       WITH gc_grace_seconds = ${gcGraceSeconds}`,
    ],
  },
  {
    version: 2,
    description: 'presence visibility by user',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.presence_visibility (user_id text PRIMARY KEY, visibility text)`,
    ],
  },
];
