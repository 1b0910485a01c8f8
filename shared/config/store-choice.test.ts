import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { configuredStore, loadConfig, type StoreAdapters } from './index.js';

const adapters: StoreAdapters<string> = {
  scylla: (database) => `cql:${database.scyllaNodes.join(',')}`,
  sqlite: (file) => `sqlite:${file}`,
};

describe('configuredStore', () => {
  it('opens SQLite in the data directory when no ScyllaDB node is configured', () => {
    const config = loadConfig({ GUARDYN_DATA_DIR: '/var/guardyn' });
    expect(configuredStore(config, 'media.sqlite', adapters)).toBe(
      `sqlite:${path.join('/var/guardyn', 'media.sqlite')}`,
    );
  });

  it('opens the CQL adapter with the database settings when nodes are configured', () => {
    const config = loadConfig({ GUARDYN_DATABASE__SCYLLADB_NODES: '10.0.0.1:9042' });
    expect(configuredStore(config, 'media.sqlite', adapters)).toBe('cql:10.0.0.1:9042');
  });
});
