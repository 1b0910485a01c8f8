/** How hard the auth store leans on the cluster: retries of a compare-and-set, and parallelism. */

/** Compare-and-set attempts before giving up with CqlContentionError. */
export const maxAttempts = 40;
/** Statements in flight at once for one bulk write. */
export const writeConcurrency = 16;
/** Partitions per `IN` of a batch read, and such reads in flight at once. */
export const inChunkSize = 100;
export const readConcurrency = 8;
