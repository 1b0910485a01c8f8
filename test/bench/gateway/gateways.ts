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

export const targetDescriptions: Record<string, string> = {
  guardyn: "Guardyn's own gateway (GUARDYN_SERVICE_NAME=gateway)",
  apollo: 'plain @apollo/gateway 2.14 + @apollo/server, node-fetch keep-alive',
  hive: 'Hive Gateway 2.15 (hive-gateway supergraph, default runtime)',
  'hive-rust': 'Hive Gateway 2.15 --hive-router-runtime (Rust query planner)',
  [directFloor]: 'the auth subgraph called directly (no gateway)',
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
    guardyn: {
      name: 'guardyn',
      ...tsxCommand(path.join(projectRoot, 'main.ts')),
      cwd: projectRoot,
      // It composes the same supergraph.yaml; these variables give it the same routing URLs.
      env: cleanEnv({
        GUARDYN_SERVICE_NAME: 'gateway',
        GUARDYN_PORT: String(ports.guardyn),
        GUARDYN_DATA_DIR: path.join(folder, 'gateway-data'),
        ...Object.fromEntries(
          subgraphNames.map((name) => [
            `GUARDYN_GATEWAY__${name.toUpperCase()}_URL`,
            subgraphUrls[name],
          ]),
        ),
      }),
    },
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
): Promise<Target[]> {
  await writeFile(path.join(folder, 'gateway.config.mjs'), hiveConfig);
  await mkdir(path.join(folder, 'gateway-data'), { recursive: true });
  const portList = await freePorts(gatewayNames.length);
  const ports = Object.fromEntries(
    gatewayNames.map((name, index) => [name, portList[index]]),
  ) as Record<GatewayName, number>;
  const specs = gatewaySpecs(folder, supergraphFile, subgraphUrls, ports);
  const targets = gatewayNames
    .filter((name) => wanted.includes(name))
    .map((name) => ({
      name,
      url: `http://127.0.0.1:${ports[name]}/graphql`,
    }));
  // One at a time: four processes loading at once on two cores only slow each other.
  for (const target of targets) {
    const running = group.start(specs[target.name]);
    await waitUntilReady(running, () => answersGraphQL(target.url));
  }
  return [...targets, { name: directFloor, url: subgraphUrls.auth }];
}
