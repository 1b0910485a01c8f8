import { gatewayNames, type GatewayName } from './gateways.js';

/** What a run does; every field can be set from the environment for a quick or a long run. */
export interface Settings {
  /** GUARDYN_BENCH_SECONDS: timed seconds per run (default 10). */
  readonly seconds: number;
  /** GUARDYN_BENCH_WARMUP_SECONDS: untimed seconds before each run (default 2). */
  readonly warmupSeconds: number;
  /** GUARDYN_BENCH_ROUNDS: rounds over every target, order reversed every other round (default 2). */
  readonly rounds: number;
  /** GUARDYN_BENCH_CONNECTIONS: comma-separated connection counts (default 10,50). */
  readonly connections: readonly number[];
  /** GUARDYN_BENCH_USERS: users registered, whose tokens the q1-tokens variant cycles (default 100). */
  readonly users: number;
  /** GUARDYN_BENCH_GATEWAYS: which gateways to start (default all: guardyn,apollo,hive,hive-rust). */
  readonly gateways: readonly GatewayName[];
  /** GUARDYN_BENCH_QUERIES: which queries to time (default all: q1,q2,q1-tokens,q2-tokens). */
  readonly queries: readonly string[];
}

const queryNames = ['q1', 'q2', 'q1-tokens', 'q2-tokens'];

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer of at least ${min}, not "${text}"`);
  }
  return value;
}

function list(env: NodeJS.ProcessEnv, name: string, known: readonly string[]): string[] {
  const text = env[name];
  if (text === undefined || text === '') return [...known];
  const values = text.split(',').map((value) => value.trim());
  const unknown = values.filter((value) => !known.includes(value));
  if (unknown.length > 0) {
    throw new Error(`${name}: unknown ${unknown.join(', ')}; known: ${known.join(', ')}`);
  }
  return values;
}

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const connectionsText = env['GUARDYN_BENCH_CONNECTIONS'] || '10,50';
  const connections = connectionsText.split(',').map((value) => Number(value.trim()));
  if (connections.some((value) => !Number.isInteger(value) || value < 1)) {
    throw new Error(
      `GUARDYN_BENCH_CONNECTIONS must list positive integers, not "${connectionsText}"`,
    );
  }
  return {
    seconds: positiveInteger(env, 'GUARDYN_BENCH_SECONDS', 10),
    warmupSeconds: positiveInteger(env, 'GUARDYN_BENCH_WARMUP_SECONDS', 2, 0),
    rounds: positiveInteger(env, 'GUARDYN_BENCH_ROUNDS', 2),
    connections,
    users: positiveInteger(env, 'GUARDYN_BENCH_USERS', 100),
    gateways: list(env, 'GUARDYN_BENCH_GATEWAYS', gatewayNames) as GatewayName[],
    queries: list(env, 'GUARDYN_BENCH_QUERIES', queryNames),
  };
}
