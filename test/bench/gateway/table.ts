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
  /** Median over rounds of req/s divided by the reference's in the same round. */
  readonly vsReference: number;
  /** Median over rounds of p99 divided by the reference's p99 in the same round. */
  readonly p99VsReference: number;
  /** Median over rounds of req/s divided by the floor's in the same round (NaN: no floor). */
  readonly vsFloor: number;
  /** Every round's req/s, to show the spread. */
  readonly rounds: readonly number[];
  /** Non-2xx, GraphQL errors and socket errors, summed over rounds. */
  readonly failures: number;
}

type Metric = (figures: LoadFigures) => number;
const rate: Metric = (figures) => figures.requestsPerSecond;
const tail: Metric = (figures) => figures.p99;

/**
 * The median over rounds of `metric(run) / metric(other run of the same round)`: rounds run
 * every target back to back, so a ratio within a round cancels most of a shared machine's drift.
 */
function medianRatio(
  runs: readonly LoadFigures[],
  others: readonly LoadFigures[] | undefined,
  metric: Metric,
): number {
  if (!others) return NaN;
  return median(
    runs.flatMap((run, round) => {
      const other = others[round];
      return other && metric(other) > 0 ? [metric(run) / metric(other)] : [];
    }),
  );
}

/** Summarises `runs` (one per round) against the reference's and the floor's runs. */
export function summarise(
  target: string,
  runs: readonly LoadFigures[],
  reference: readonly LoadFigures[] | undefined,
  floor?: readonly LoadFigures[],
): Row {
  return {
    target,
    requestsPerSecond: median(runs.map(rate)),
    p50: median(runs.map((run) => run.p50)),
    p99: median(runs.map(tail)),
    vsReference: medianRatio(runs, reference, rate),
    p99VsReference: medianRatio(runs, reference, tail),
    vsFloor: medianRatio(runs, floor, rate),
    rounds: runs.map(rate),
    failures: runs.reduce((sum, run) => sum + run.non2xx + run.graphqlErrors + run.socketErrors, 0),
  };
}

const times = (value: number) => (Number.isNaN(value) ? '' : `${value.toFixed(2)}×`);
const thousands = (value: number) => Math.round(value).toLocaleString('en-US');

/**
 * A Markdown table (it goes into test/bench/README.md as printed): req/s, p50, p99, failures,
 * the ratios of req/s and p99 to the reference and, when `floor` is named, of req/s to the floor.
 */
export function formatTable(rows: readonly Row[], reference: string, floor?: string): string {
  const header = ['target', 'req/s', 'p50 ms', 'p99 ms', 'failures', `req/s vs ${reference}`];
  header.push(`p99 vs ${reference}`);
  if (floor) header.push(`req/s vs ${floor}`);
  header.push('req/s per round');
  const lines = rows.map((row) => {
    const cells = [
      row.target,
      thousands(row.requestsPerSecond),
      row.p50.toFixed(0),
      row.p99.toFixed(0),
      thousands(row.failures),
      times(row.vsReference),
      times(row.p99VsReference),
    ];
    if (floor) cells.push(row.target === floor ? '' : times(row.vsFloor));
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
