import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { subgraphNames, type SubgraphName } from '../../../shared/config/index.js';
import { projectRoot } from '../../../shared/supergraph/index.js';
import { freePorts } from '../../support/free-ports.js';
import { waitUntilReady, type ProcessGroup, type ProcessSpec } from './processes.js';
import { cleanEnv, tsxCommand } from './subgraphs.js';

/** Something the benchmark sends queries to. */
export interface Target {
  /** Short name, a table row. */
  readonly name: string;
  readonly url: string;
}

/** The four gateways, in the benchmark's base order; Hive Gateway (default) is the reference. */
export const gatewayNames = ['guardyn', 'apollo', 'hive', 'hive-rust'] as const;
export type GatewayName = (typeof gatewayNames)[number];
export const referenceGateway: GatewayName = 'hive';
/** The auth subgraph called directly: the floor for one-subgraph queries. */
export const directFloor = 'direct-auth';
/** Our gateway from another checkout (GUARDYN_BENCH_BEFORE), timed beside the current one. */
export const beforeGateway = 'guardyn-old';

export const targetDescriptions: Record<string, string> = {
  guardyn: "Guardyn's own gateway (GUARDYN_SERVICE_NAME=gateway)",
  apollo: 'plain @apollo/gateway 2.14 + @apollo/server, node-fetch keep-alive',
  hive: 'Hive Gateway 2.15 (hive-gateway supergraph, default runtime)',
  'hive-rust': 'Hive Gateway 2.15 --hive-router-runtime (Rust query planner)',
  [directFloor]: 'the auth subgraph called directly (no gateway)',
  [beforeGateway]:
    "Guardyn's gateway from another checkout (GUARDYN_BENCH_BEFORE), for before/after",
};

/** Hive Gateway's config: pass the client's `authorization` on to every subgraph. */
const hiveConfig = `export const gatewayConfig = {
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }),
  },
};
`;

/** Ready when `{ __typename }` (answered by the gateway alone) comes back with data. */
async function answersGraphQL(url: string): Promise<boolean> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  const body = (await response.json()) as { data?: { __typename?: string } };
  return response.ok && body.data?.__typename === 'Query';
}

/** Our gateway alone, from the checkout in `root`, routed to the benchmark's subgraphs. */
function guardynSpec(
  name: string,
  root: string,
  folder: string,
  subgraphUrls: Readonly<Record<SubgraphName, string>>,
  port: number,
): ProcessSpec {
  return {
    name,
    ...tsxCommand(path.join(root, 'main.ts')),
    cwd: root,
    // It composes the same supergraph.yaml; these variables give it the same routing URLs.
    env: cleanEnv({
      GUARDYN_SERVICE_NAME: 'gateway',
      GUARDYN_PORT: String(port),
      GUARDYN_DATA_DIR: path.join(folder, 'gateway-data'),
      ...Object.fromEntries(
        subgraphNames.map((subgraph) => [
          `GUARDYN_GATEWAY__${subgraph.toUpperCase()}_URL`,
          subgraphUrls[subgraph],
        ]),
      ),
    }),
  };
}

function gatewaySpecs(
  folder: string,
  supergraphFile: string,
  subgraphUrls: Readonly<Record<SubgraphName, string>>,
  ports: Readonly<Record<GatewayName, number>>,
): Record<GatewayName, ProcessSpec> {
  const hiveBin = path.join(
    projectRoot,
    'node_modules',
    '@graphql-hive',
    'gateway',
    'dist',
    'bin.js',
  );
  const hiveConfigFile = path.join(folder, 'gateway.config.mjs');
  const hive = (port: number, extra: string[]) => ({
    command: process.execPath,
    args: [
      hiveBin,
      'supergraph',
      supergraphFile,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--config-path',
      hiveConfigFile,
      ...extra,
    ],
    cwd: folder,
    env: cleanEnv({}),
  });
  return {
    guardyn: guardynSpec('guardyn', projectRoot, folder, subgraphUrls, ports.guardyn),
    apollo: {
      name: 'apollo',
      ...tsxCommand(path.join(import.meta.dirname, 'apollo-gateway.ts'), [
        supergraphFile,
        String(ports.apollo),
      ]),
      cwd: projectRoot,
      env: cleanEnv({}),
    },
    hive: { name: 'hive', ...hive(ports.hive, []) },
    'hive-rust': { name: 'hive-rust', ...hive(ports['hive-rust'], ['--hive-router-runtime']) },
  };
}

/**
 * Starts the four gateways (or those `wanted`), each in its own process, from the supergraph in `supergraphFile`
 * (ours composes the same subgraphs itself and is pointed at the same URLs). Returns them as
 * targets, followed by the direct floor.
 */
export async function startGateways(
  group: ProcessGroup,
  folder: string,
  supergraphFile: string,
  subgraphUrls: Readonly<Record<SubgraphName, string>>,
  wanted: readonly GatewayName[] = gatewayNames,
  /** A checkout whose gateway runs too, as `guardyn-old` (GUARDYN_BENCH_BEFORE). */
  before?: string,
): Promise<Target[]> {
  await writeFile(path.join(folder, 'gateway.config.mjs'), hiveConfig);
  await mkdir(path.join(folder, 'gateway-data'), { recursive: true });
  const portList = await freePorts(gatewayNames.length + 1);
  const ports = Object.fromEntries(
    gatewayNames.map((name, index) => [name, portList[index]]),
  ) as Record<GatewayName, number>;
  const specs: Record<string, ProcessSpec> = gatewaySpecs(
    folder,
    supergraphFile,
    subgraphUrls,
    ports,
  );
  const targets: Target[] = gatewayNames
    .filter((name) => wanted.includes(name))
    .map((name) => ({
      name,
      url: `http://127.0.0.1:${ports[name]}/graphql`,
    }));
  const beforePort = portList[gatewayNames.length];
  if (before && beforePort) {
    specs[beforeGateway] = guardynSpec(beforeGateway, before, folder, subgraphUrls, beforePort);
    targets.unshift({ name: beforeGateway, url: `http://127.0.0.1:${beforePort}/graphql` });
  }
  // One at a time: four processes loading at once on two cores only slow each other.
  for (const target of targets) {
    const spec = specs[target.name];
    if (!spec) throw new Error(`no process for ${target.name}`);
    const running = group.start(spec);
    await waitUntilReady(running, () => answersGraphQL(target.url));
  }
  return [...targets, { name: directFloor, url: subgraphUrls.auth }];
}
