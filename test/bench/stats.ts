export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentiles of a sample. */
export function percentiles(sample: readonly number[]): Percentiles {
  const sorted = [...sample].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
}

export function printTable(title: string, rows: Record<string, Percentiles>): void {
  console.log(`\n${title}`);
  console.log(['', 'p50', 'p90', 'p99', 'max'].map((cell) => cell.padStart(10)).join(''));
  for (const [name, p] of Object.entries(rows)) {
    console.log(
      [name, p.p50, p.p90, p.p99, p.max]
        .map((cell) => (typeof cell === 'number' ? cell.toFixed(1) : cell).padStart(10))
        .join(''),
    );
  }
}
