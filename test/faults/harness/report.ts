import type { LedgerSummary } from './ledger.js';

/** One scenario's figures, as the suite prints them and docs/faults.md records them. */
export interface ScenarioReport {
  readonly scenario: string;
  readonly summary: LedgerSummary;
  /** From the fault's end (the process back) to the first send that succeeded after it, in s. */
  readonly recoverySeconds: number | undefined;
  /** Sockets opened by the receivers beyond the first one each. */
  readonly reconnects: number;
  /** Failed attempts whose answer was no documented error code (e.g. a bare HTTP 404). */
  readonly unclearFailures: Readonly<Record<string, number>>;
  readonly memory: {
    readonly baseline: Record<string, number>;
    readonly after: Record<string, number>;
  };
  /** From the sockets' opening to the end of the presence wait. */
  readonly durationSeconds: number;
  /** Wake-ups the offline devices got during the scenario. */
  readonly pushes: {
    readonly total: number;
    readonly afterHeal: number;
    readonly shortestGapSeconds: number | undefined;
  };
  /** Users still ONLINE or AWAY (to another member) when the presence wait ended. */
  readonly stillPresent: readonly string[];
}

const columns = [
  'scenario',
  'sent',
  'acknowledged',
  'delivered',
  'unconfirmed',
  'duplicates',
  'lost',
  'recover (s)',
  'reconnects',
  'pushes (after fault; min gap s)',
  'failed attempts',
] as const;

/** A Markdown table row per scenario, with a header: what the suite prints after each run. */
export function formatReports(reports: readonly ScenarioReport[]): string {
  const rows = reports.map((report) => [
    report.scenario,
    String(report.summary.sent),
    String(report.summary.acknowledged),
    `${report.summary.delivered}/${report.summary.addressed}`,
    String(report.summary.unconfirmed),
    String(report.summary.duplicates),
    String(report.summary.lost),
    report.recoverySeconds === undefined ? '—' : report.recoverySeconds.toFixed(1),
    String(report.reconnects),
    `${report.pushes.total} (${report.pushes.afterHeal}; ${report.pushes.shortestGapSeconds?.toFixed(1) ?? '—'})`,
    Object.entries(report.summary.failedAttempts)
      .map(([code, count]) => `${code} ${count}`)
      .join(', ') || '—',
  ]);
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(columns), line(columns.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The memory figures of one scenario, a line per service: baseline → after (MiB). */
export function formatMemory(report: ScenarioReport): string {
  return Object.entries(report.memory.after)
    .map(([name, mib]) => `${name} ${report.memory.baseline[name]}→${mib}`)
    .join(', ');
}
