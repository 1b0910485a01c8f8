/**
 * `npm run test:faults`: the fault-injection suite (test/faults/, docs/faults.md) alone. It starts
 * its own NATS server, Cassandra node and six service processes, breaks them in turn under load,
 * and runs serially with long timeouts; the main config leaves test/faults/ out.
 */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/data/'],
  maxWorkers: 1,
  testTimeout: 300_000,
};
