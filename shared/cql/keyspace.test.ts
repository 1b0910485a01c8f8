import { describe, expect, it } from '@jest/globals';
import { keyspaceName, replicationCql } from './index.js';

describe('keyspaces', () => {
  it('names a subgraph keyspace <prefix>_<subgraph>', () => {
    expect(keyspaceName('guardyn', 'auth')).toBe('guardyn_auth');
    expect(() => keyspaceName('Guardyn', 'auth')).toThrow('not a keyspace name');
  });

  it('writes the replication map of CREATE KEYSPACE', () => {
    expect(replicationCql({ strategy: 'SimpleStrategy', replicationFactor: 1 })).toBe(
      "{'class': 'SimpleStrategy', 'replication_factor': 1}",
    );
    expect(
      replicationCql({ strategy: 'NetworkTopologyStrategy', dataCenters: { dc1: 3, 'eu-2': 2 } }),
    ).toBe("{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'eu-2': 2}");
  });
});
