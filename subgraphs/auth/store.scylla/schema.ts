import type { CqlMigration } from '../../../shared/cql/index.js';

/**
 * The auth keyspace, modelled for its queries:
 *
 * - `usernames` is the uniqueness claim (`INSERT ... IF NOT EXISTS`); `users` holds the account by id.
 * - `devices`: one partition per user, one row per device, with the device's signed EC prekey and
 *   last-resort Kyber key in the row (a bundle is one read), and a static `generation` that
 *   `addDevice` compare-and-sets so two concurrent links never take the same id or pass the limit.
 * - `one_time_prekeys`: one partition per (user, device, kind), clustered by key id. A claim is a
 *   compare-and-set of `claimed_by` from null to the claimant's token, then a plain delete; reads
 *   skip claimed rows.
 * - `key_packages`: one partition per device, clustered by KeyPackageRef (so a re-upload is the same
 *   row), with a TTL at the package's own expiry; claimed like one-time prekeys, oldest first.
 * - `last_resort_key_packages`: one row per device (an upload overwrites it: the newer one wins),
 *   with a TTL at its expiry; read, never claimed, when the device has no ordinary one left.
 * - `unidentified_access`: a user's sealed-sender access key (null: off) and whether anyone may
 *   send sealed to them; read by user id for every sealed send.
 * - `sessions` by id (checked on every request), `sessions_by_user` to list and revoke them, and
 *   `refresh_tokens` by hash, rotated with `IF used = false` and kept (with a TTL) to detect reuse.
 * - `username_quarantine`: the usernames of deleted accounts, by SHA-256 (store-rules.ts), each
 *   row written with a TTL at the end of its quarantine.
 */
export const authMigrations: readonly CqlMigration[] = [
  {
    version: 1,
    description: 'accounts, devices with signed keys, one-time prekeys, KeyPackages, sessions',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.users (
         id text PRIMARY KEY, username text, password_hash text, created_at timestamp)`,
      `CREATE TABLE IF NOT EXISTS ${ks}.usernames (username text PRIMARY KEY, user_id text)`,
      `CREATE TABLE IF NOT EXISTS ${ks}.devices (
         user_id text, device_id int, generation int STATIC,
         registration_id int, name text, identity_key blob,
         created_at timestamp, last_seen_at timestamp,
         signed_prekey_id int, signed_prekey blob, signed_prekey_signature blob,
         kyber_last_resort_id int, kyber_last_resort blob, kyber_last_resort_signature blob,
         PRIMARY KEY (user_id, device_id))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.one_time_prekeys (
         user_id text, device_id int, kind text, key_id int,
         public_key blob, signature blob, claimed_by text,
         PRIMARY KEY ((user_id, device_id, kind), key_id))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.key_packages (
         user_id text, device_id int, reference blob,
         key_package blob, not_after timestamp, upload_order bigint, claimed_by text,
         PRIMARY KEY ((user_id, device_id), reference))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.sessions (
         id text PRIMARY KEY, user_id text, device_id int,
         created_at timestamp, last_used_at timestamp, expires_at timestamp)`,
      `CREATE TABLE IF NOT EXISTS ${ks}.sessions_by_user (
         user_id text, session_id text, device_id int, PRIMARY KEY (user_id, session_id))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.refresh_tokens (
         hash blob PRIMARY KEY, session_id text, used boolean, replaced_by blob)`,
    ],
  },
  {
    version: 2,
    description: 'last-resort KeyPackages: one row per device, never consumed',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.last_resort_key_packages (
         user_id text, device_id int, reference blob, key_package blob, not_after timestamp,
         PRIMARY KEY ((user_id, device_id)))`,
    ],
  },
  {
    version: 3,
    description: 'sealed sender: unidentified access per user',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.unidentified_access (
         user_id text PRIMARY KEY, access_key blob, unrestricted boolean)`,
    ],
  },
  {
    version: 4,
    description: 'username quarantine after an account deletion',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.username_quarantine (username_hash blob PRIMARY KEY)`,
    ],
  },
];
