import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultPorts, subgraphNames, type SubgraphName } from '../../../shared/config/index.js';
import {
  composeSupergraph,
  projectRoot,
  readSupergraphConfig,
} from '../../../shared/supergraph/index.js';
import { freePortRange } from '../../support/free-ports.js';
import { waitUntilReady, type ProcessGroup } from './processes.js';

/** The environment every child gets: nothing of ours leaks in (an unknown GUARDYN_ var stops a start). */
export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    NODE_ENV: 'production',
    ...extra,
  };
}

/** `node --import tsx <file>`, as the container image runs main.ts (tsx's CLI would add a process). */
export function tsxCommand(file: string, args: readonly string[] = []) {
  return { command: process.execPath, args: ['--import', 'tsx', file, ...args] };
}

export interface RunningSubgraphs {
  /** Each subgraph's GraphQL endpoint. */
  readonly urls: Readonly<Record<SubgraphName, string>>;
  /** The embedded process's own gateway: used to register users, never timed. */
  readonly setupUrl: string;
}

export async function healthy(url: string): Promise<boolean> {
  return (await fetch(url)).ok;
}

/**
 * One embedded Guardyn (NODE_ENV=production, SQLite in `dataDir`) whose gateway takes a free
 * port and whose subgraphs take the next five, in the order of `defaultPorts`.
 */
export async function startSubgraphs(
  group: ProcessGroup,
  dataDir: string,
): Promise<RunningSubgraphs> {
  const base = await freePortRange(subgraphNames.length + 1);
  const origin = (port: number) => `http://127.0.0.1:${port}`;
  const portOf = (name: SubgraphName) => base + defaultPorts[name] - defaultPorts.gateway;
  const guardyn = group.start({
    name: 'embedded Guardyn (subgraphs)',
    ...tsxCommand(path.join(projectRoot, 'main.ts')),
    cwd: projectRoot,
    env: cleanEnv({ GUARDYN_PORT: String(base), GUARDYN_DATA_DIR: dataDir }),
  });
  const urls = Object.fromEntries(
    subgraphNames.map((name) => [name, `${origin(portOf(name))}/graphql`]),
  ) as Record<SubgraphName, string>;
  // The gateway starts last, so its health means every subgraph listens.
  await waitUntilReady(guardyn, () => healthy(`${origin(base)}/health`));
  return { urls, setupUrl: `${origin(base)}/graphql` };
}

/**
 * Composes supergraph.yaml's subgraphs (the project's compose code) with the routing URLs of
 * the running subgraphs and writes the supergraph SDL into `folder`. Returns the file.
 */
export async function writeSupergraph(
  folder: string,
  urls: Readonly<Record<SubgraphName, string>>,
): Promise<string> {
  const entries = (await readSupergraphConfig()).map((entry) => ({
    ...entry,
    routingUrl: urls[entry.name],
  }));
  const composition = await composeSupergraph(entries);
  if (!composition.ok) throw new Error(`composition failed:\n${composition.errors.join('\n')}`);
  const file = path.join(folder, 'supergraph.graphql');
  await writeFile(file, composition.supergraphSdl);
  return file;
}
