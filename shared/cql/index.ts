/**
 * CQL (ScyllaDB, Cassandra) for the subgraph stores: a session that connects in the background and
 * reports readiness, keyspace migrations, lightweight-transaction helpers and typed row reads.
 */
export {
  CqlSession,
  consistency,
  type BatchStatement,
  type CqlExecutor,
  type CqlSessionOptions,
  type ResultSet,
  type Row,
  type StatementOptions,
} from './session.js';
export {
  CqlContentionError,
  CqlQueryError,
  CqlUnavailableError,
  describeError,
  isUnknownWriteOutcome,
} from './errors.js';
export { migrateKeyspace, type CqlMigration, type MigrateOptions } from './migrations.js';
export { keyspaceName, replicationCql } from './keyspace.js';
export {
  conditional,
  conditionalBatch,
  contentionPause,
  type ConditionalOutcome,
  type OutcomeResolver,
} from './conditional.js';
export { claimOne, type ClaimableTable, type ClaimOptions } from './claims.js';
export { mapLimited } from './parallel.js';
export { groupedBy, inChunks } from './chunks.js';
export { rowPages } from './paging.js';
export { ttlSeconds } from './ttl.js';
export * as cells from './rows.js';
export {
  openKeyspaceSession,
  type KeyspaceSession,
  type KeyspaceSessionOptions,
  type CqlStoreOptions,
  type SessionTuning,
} from './open.js';
export { KeyspaceStore, openKeyspace } from './keyspace-store.js';
