import type { LoadFigures } from './load.js';

/** The median of a sample (mean of the middle two when even); NaN when empty. */
export function median(sample: readonly number[]): number {
  const sorted = [...sample].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

/** One row of a table: a target's runs over the rounds, summarised. */
export interface Row {
  readonly target: string;
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** Every round's req/s, to show the spread. */
  readonly rounds: readonly number[];
  /** Non-2xx, GraphQL errors and socket errors, summed over rounds. */
  readonly failures: number;
}

export function summarise(target: string, runs: readonly LoadFigures[]): Row {
  return {
    target,
    requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
    p50: median(runs.map((run) => run.p50)),
    p99: median(runs.map((run) => run.p99)),
    rounds: runs.map((run) => run.requestsPerSecond),
    failures: runs.reduce((sum, run) => sum + run.non2xx + run.graphqlErrors + run.socketErrors, 0),
  };
}

const ratio = (value: number, reference: number | undefined) =>
  reference === undefined || !(reference > 0) ? '' : `${(value / reference).toFixed(2)}×`;
const thousands = (value: number) => Math.round(value).toLocaleString('en-US');

/**
 * A Markdown table (it goes into test/bench/README.md as printed): req/s, p50, p99, failures,
 * the ratio of req/s to `reference` and, when `floor` is given, to the floor.
 */
export function formatTable(rows: readonly Row[], reference: string, floor?: string): string {
  const referenceRate = rows.find((row) => row.target === reference)?.requestsPerSecond;
  const floorRate = floor ? rows.find((row) => row.target === floor)?.requestsPerSecond : undefined;
  const header = ['target', 'req/s', 'p50 ms', 'p99 ms', 'failures', `vs ${reference}`];
  if (floor) header.push(`vs ${floor}`);
  header.push('req/s per round');
  const lines = rows.map((row) => {
    const cells = [
      row.target,
      thousands(row.requestsPerSecond),
      row.p50.toFixed(0),
      row.p99.toFixed(0),
      thousands(row.failures),
      row.target === reference ? '1.00×' : ratio(row.requestsPerSecond, referenceRate),
    ];
    if (floor) cells.push(row.target === floor ? '' : ratio(row.requestsPerSecond, floorRate));
    cells.push(row.rounds.map(thousands).join(' / '));
    return cells;
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((cells) => (cells[column] ?? '').length)),
  );
  const format = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(' | ')} |`;
  const rule = `| ${widths.map((width, column) => (column === 0 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`;
  return [format(header), rule, ...lines.map(format)].join('\n');
}
