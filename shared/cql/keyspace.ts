import type { ScyllaReplication } from '../config/index.js';

/** `<prefix>_<subgraph>`, e.g. `guardyn_auth`: each subgraph owns one keyspace. */
export function keyspaceName(prefix: string, subgraph: string): string {
  const name = `${prefix}_${subgraph}`;
  if (!/^[a-z][a-z0-9_]{0,47}$/.test(name)) throw new Error(`"${name}" is not a keyspace name`);
  return name;
}

/** The `replication = {...}` map literal of CREATE KEYSPACE for a validated setting. */
export function replicationCql(replication: ScyllaReplication): string {
  const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
  if (replication.strategy === 'SimpleStrategy') {
    return `{'class': 'SimpleStrategy', 'replication_factor': ${replication.replicationFactor}}`;
  }
  const dataCenters = Object.entries(replication.dataCenters).map(
    ([dataCenter, factor]) => `${quote(dataCenter)}: ${factor}`,
  );
  return `{'class': 'NetworkTopologyStrategy', ${dataCenters.join(', ')}}`;
}
