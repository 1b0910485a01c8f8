import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { BenchUsers } from './gateway/accounts.js';
import {
  directFloor,
  referenceGateway,
  startGateways,
  targetDescriptions,
  type Target,
} from './gateway/gateways.js';
import { measureLoad, type LoadFigures } from './gateway/load.js';
import { ProcessGroup } from './gateway/processes.js';
import { checkSameData, errorCodes } from './gateway/same-data.js';
import { readSettings, type Settings } from './gateway/settings.js';
import { startSubgraphs, writeSupergraph } from './gateway/subgraphs.js';
import { formatTable, summarise } from './gateway/table.js';

const q1 = '{ me { id username presence { status } } }';
const q2 = '{ me { id username } }';

/** A benchmark query: its text, whose tokens it carries, and whether the direct floor runs it. */
interface BenchQuery {
  readonly name: string;
  readonly title: string;
  readonly query: string;
  readonly everyUser: boolean;
  readonly withFloor: boolean;
}

const benchQueries: readonly BenchQuery[] = [
  {
    name: 'q1',
    title: `Q1 ${q1} (auth + presence)`,
    query: q1,
    everyUser: false,
    withFloor: false,
  },
  { name: 'q2', title: `Q2 ${q2} (auth only)`, query: q2, everyUser: false, withFloor: true },
  {
    name: 'q1-tokens',
    title: `Q1 with another user's token on every request (no in-flight merging possible)`,
    query: q1,
    everyUser: true,
    withFloor: false,
  },
  {
    // Hive Gateway merges identical subgraph requests in flight, which can put it above the
    // floor with one token; with a token per request every target does the same work.
    name: 'q2-tokens',
    title: `Q2 with another user's token on every request (no in-flight merging possible)`,
    query: q2,
    everyUser: true,
    withFloor: true,
  },
];

const loadAverage = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');

function describeMachine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}`;
}

/** Every target the query runs against, in this round's order (reversed every other round). */
function roundOrder(targets: readonly Target[], query: BenchQuery, round: number): Target[] {
  const wanted = targets.filter((target) => query.withFloor || target.name !== directFloor);
  return round % 2 === 0 ? wanted : [...wanted].reverse();
}

type Figures = Map<string, LoadFigures[]>;
const key = (query: string, connections: number, target: string) =>
  `${query}|${connections}|${target}`;

async function checkAgreement(targets: readonly Target[], users: BenchUsers): Promise<void> {
  const gateways = targets.filter((target) => target.name !== directFloor);
  const [first] = users.tokens();
  if (!first) throw new Error('no user registered');
  await checkSameData(gateways, q1, first);
  await checkSameData(targets, q2, first);
  for (const token of users.tokens()) await checkSameData(gateways, q1, token);
  console.log(
    `every target returns the same data (Q1 and Q2, and Q1 for all ${users.count} users)`,
  );
  // Subgraph errors must reach clients with their code; a gateway of ours that loses them is wrong.
  const codes = await errorCodes(targets, q2);
  console.log(
    `without a token, Q2 answers: ${[...codes].map(([name, code]) => `${name} ${code}`).join(', ')}`,
  );
  const lost = [...codes].filter(([, code]) => code !== 'UNAUTHENTICATED');
  if (lost.some(([name]) => name === 'guardyn' || name === directFloor)) {
    throw new Error(
      `UNAUTHENTICATED lost: ${lost.map(([name, code]) => `${name} ${code}`).join(', ')}`,
    );
  }
}

async function runRounds(
  settings: Settings,
  targets: readonly Target[],
  users: BenchUsers,
  authCalls: () => Promise<number>,
): Promise<Figures> {
  const figures: Figures = new Map();
  for (let round = 0; round < settings.rounds; round++) {
    for (const query of benchQueries.filter((each) => settings.queries.includes(each.name))) {
      for (const connections of settings.connections) {
        for (const target of roundOrder(targets, query, round)) {
          await users.renewIfOld();
          const tokens = users.tokens();
          const measured = await measureLoad({
            url: target.url,
            query: query.query,
            connections,
            seconds: settings.seconds,
            warmupSeconds: settings.warmupSeconds,
            tokens: query.everyUser ? tokens : tokens.slice(0, 1),
            authCalls,
          });
          const failures = measured.non2xx + measured.graphqlErrors + measured.socketErrors;
          console.log(
            `round ${round + 1} ${query.name.padEnd(9)} c=${String(connections).padEnd(3)} ` +
              `${target.name.padEnd(11)} ${measured.requestsPerSecond.toFixed(0).padStart(6)} req/s ` +
              `p50 ${measured.p50} ms p99 ${measured.p99} ms ` +
              `auth calls/req ${measured.authCallsPerRequest.toFixed(2)}` +
              (failures > 0
                ? `  FAILURES: ${measured.non2xx} non-2xx, ${measured.graphqlErrors} GraphQL errors, ${measured.socketErrors} socket errors`
                : '') +
              `  (load ${loadAverage()})`,
          );
          const runs = figures.get(key(query.name, connections, target.name)) ?? [];
          runs.push(measured);
          figures.set(key(query.name, connections, target.name), runs);
        }
      }
    }
  }
  return figures;
}

function printTables(settings: Settings, targets: readonly Target[], figures: Figures): void {
  for (const query of benchQueries.filter((each) => settings.queries.includes(each.name))) {
    for (const connections of settings.connections) {
      const runsOf = (target: string) => figures.get(key(query.name, connections, target));
      const reference = runsOf(referenceGateway);
      const floor = query.withFloor ? runsOf(directFloor) : undefined;
      const rows = roundOrder(targets, query, 0).flatMap((target) => {
        const runs = runsOf(target.name);
        return runs ? [summarise(target.name, runs, reference, floor)] : [];
      });
      console.log(
        `\n${query.title}, ${connections} connections, medians over ${settings.rounds} rounds`,
      );
      console.log(formatTable(rows, referenceGateway, query.withFloor ? directFloor : undefined));
    }
  }
}

/**
 * `npm run bench -- gateway`: the same subgraphs behind our gateway, a plain @apollo/gateway,
 * Hive Gateway and Hive Gateway with the Rust planner, each in its own process, timed with
 * autocannon in alternating order. See test/bench/README.md, "gateway".
 */
export async function benchGateway(): Promise<void> {
  const settings = readSettings(process.env);
  const group = new ProcessGroup();
  const folder = await mkdtemp(path.join(tmpdir(), 'guardyn-bench-gateway-'));
  group.afterStop(() => rm(folder, { recursive: true, force: true }));
  try {
    console.log(`gateway benchmark, ${new Date().toISOString()}, ${describeMachine()}`);
    console.log(
      `${settings.rounds} rounds × ${settings.connections.join('/')} connections × ` +
        `${settings.warmupSeconds} s warm-up + ${settings.seconds} s; load average ${loadAverage()}`,
    );
    const subgraphs = await startSubgraphs(group, path.join(folder, 'data'));
    const supergraphFile = await writeSupergraph(folder, subgraphs.urls);
    const targets = await startGateways(
      group,
      folder,
      supergraphFile,
      subgraphs.urls,
      settings.gateways,
      process.env['GUARDYN_BENCH_BEFORE'] || undefined,
    );
    for (const target of targets) {
      console.log(`  ${target.name.padEnd(11)} ${target.url}  ${targetDescriptions[target.name]}`);
    }
    const users = await BenchUsers.register(subgraphs.setupUrl, settings.users);
    await checkAgreement(targets, users);
    const figures = await runRounds(settings, targets, users, subgraphs.authCalls);
    printTables(settings, targets, figures);
    console.log(`\nload average at the end: ${loadAverage()}; ${new Date().toISOString()}`);
  } finally {
    await group.stopAll();
  }
}
