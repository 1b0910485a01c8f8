import path from 'node:path';
import { projectRoot } from '../../shared/supergraph/index.js';
import { setUpSendAccounts, type SendAccounts } from './send/accounts.js';
import {
  startGuardynProcess,
  type DistributedBackends,
  type GuardynProcess,
} from './send/guardyn-process.js';
import { runSends, type SendWindow } from './send/load.js';

/** A Guardyn under test: which mode, which checkout, and its accounts. */
interface Subject {
  readonly label: string;
  readonly guardyn: GuardynProcess;
  readonly accounts: SendAccounts;
}

const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};

const connectionCounts = [10, 50] as const;
const paths = ['gateway', 'messaging'] as const;

function row(cells: readonly (string | number)[]): string {
  const widths = [28, 10, 5, 10, 6, 9, 9, 9, 7];
  return cells
    .map((cell, index) => {
      const text = typeof cell === 'number' ? cell.toFixed(cell >= 100 ? 0 : 1) : cell;
      return index === 0 ? text.padEnd(widths[index] ?? 10) : text.padStart(widths[index] ?? 10);
    })
    .join(' ');
}

/**
 * `npm run bench -- send`: sendMessage throughput and latency (issue 12, goal 4) of an embedded
 * Guardyn in a child process with NODE_ENV=production, to a one-device and a six-device
 * recipient, through the gateway and against the messaging subgraph directly, at 10 and 50
 * connections; early (the first windows) and late (after GUARDYN_BENCH_SEND_TOTAL sends), so
 * that a cost growing with history shows as a late/early ratio below 1. Printed, not asserted.
 *
 * Environment: GUARDYN_BENCH_SEND_MODES (`embedded,distributed`), GUARDYN_BENCH_SEND_ROOTS
 * (checkouts to compare side by side, alternating windows; default this one),
 * GUARDYN_BENCH_SEND_WINDOW (sends per window, 2000), GUARDYN_BENCH_SEND_TOTAL (sends before
 * the late windows, 100000), GUARDYN_BENCH_SEND_SENDERS (8), and for distributed mode
 * GUARDYN_DATABASE__SCYLLADB_NODES (127.0.0.1:9042) and GUARDYN_MESSAGING__NATS_URL
 * (nats://127.0.0.1:4222).
 */
export async function benchSend(): Promise<void> {
  const modes = (process.env['GUARDYN_BENCH_SEND_MODES'] ?? 'embedded,distributed').split(',');
  const roots = (process.env['GUARDYN_BENCH_SEND_ROOTS'] ?? projectRoot).split(',');
  const window = envNumber('GUARDYN_BENCH_SEND_WINDOW', 2000);
  const total = envNumber('GUARDYN_BENCH_SEND_TOTAL', 100_000);
  const senders = envNumber('GUARDYN_BENCH_SEND_SENDERS', 8);
  const backends: DistributedBackends = {
    cqlNodes: process.env['GUARDYN_DATABASE__SCYLLADB_NODES'] ?? '127.0.0.1:9042',
    natsUrl: process.env['GUARDYN_MESSAGING__NATS_URL'] ?? 'nats://127.0.0.1:4222',
  };
  for (const mode of modes) {
    if (mode !== 'embedded' && mode !== 'distributed') throw new Error(`unknown mode ${mode}`);
    const subjects: Subject[] = [];
    try {
      for (const root of roots) {
        const guardyn = await startGuardynProcess(
          root,
          mode === 'distributed' ? backends : undefined,
        );
        const label = `${mode} ${path.basename(root)}`;
        subjects.push({ label, guardyn, accounts: await setUpSendAccounts(guardyn.url, senders) });
      }
      await measureMode(subjects, window, total);
    } finally {
      for (const subject of subjects) await subject.guardyn.stop();
    }
  }
}

async function measureMode(subjects: readonly Subject[], window: number, total: number) {
  const sent = new Map<Subject, number>(subjects.map((subject) => [subject, 0]));
  const results = new Map<string, SendWindow>();
  console.log(
    `\nsendMessage, ${window} sends a window, 256-byte envelopes (sends/s, latency in ms)`,
  );
  console.log(
    row(['subject', 'recipient', 'conns', 'path', 'phase', 'sends/s', 'p50', 'p99', 'errors']),
  );
  const measurePhase = async (phase: 'early' | 'late') => {
    for (const targetIndex of [0, 1]) {
      for (const connections of connectionCounts) {
        for (const via of paths) {
          // Alternate the subjects window by window, so that load from others hits all alike.
          for (const subject of subjects) {
            const { guardyn, accounts } = subject;
            const target = accounts.targets[targetIndex];
            if (!target) throw new Error('no target');
            const url = via === 'gateway' ? guardyn.url : guardyn.messagingUrl;
            const result = await runSends(url, accounts, target, connections, window);
            sent.set(subject, (sent.get(subject) ?? 0) + window);
            results.set(`${subject.label}|${target.label}|${connections}|${via}|${phase}`, result);
            const { perSecond, p50, p99, errors } = result;
            console.log(
              row([
                subject.label,
                target.label,
                String(connections),
                via,
                phase,
                perSecond,
                p50,
                p99,
                String(errors),
              ]),
            );
            if (result.firstError) console.log(`  first error: ${result.firstError}`);
          }
        }
      }
    }
  };
  await measurePhase('early');
  // Fill the history up to `total` sends on the messaging subgraph (the faster path), to both
  // recipients in turn, then measure again.
  for (const subject of subjects) {
    const started = performance.now();
    let round = 0;
    while ((sent.get(subject) ?? 0) < total) {
      const target = subject.accounts.targets[round % 2];
      if (!target) throw new Error('no target');
      const count = Math.min(5000, total - (sent.get(subject) ?? 0));
      const result = await runSends(
        subject.guardyn.messagingUrl,
        subject.accounts,
        target,
        50,
        count,
      );
      if (result.errors > 0) console.log(`  fill errors: ${result.errors} ${result.firstError}`);
      sent.set(subject, (sent.get(subject) ?? 0) + count);
      round += 1;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${subject.label}: ${sent.get(subject)} sends in all (fill ${seconds.toFixed(0)} s)`,
    );
  }
  await measurePhase('late');
  console.log('\nlate / early sends/s (1.00 is a flat cost per send)');
  for (const [key, late] of results) {
    if (!key.endsWith('|late')) continue;
    const early = results.get(key.replace(/\|late$/, '|early'));
    if (!early) continue;
    const [label, recipient, connections, via] = key.split('|');
    console.log(
      `${(label ?? '').padEnd(28)} ${(recipient ?? '').padStart(10)} ${(connections ?? '').padStart(5)} ${(via ?? '').padStart(10)}  ${(late.perSecond / early.perSecond).toFixed(2)}  (p99 ${early.p99.toFixed(1)} → ${late.p99.toFixed(1)} ms)`,
    );
  }
  if (subjects.length > 1) {
    const [first, ...others] = subjects;
    console.log(`\nsends/s relative to ${first?.label}`);
    for (const [key, result] of results) {
      for (const other of others) {
        if (!key.startsWith(`${other.label}|`) || !first) continue;
        const base = results.get(`${first.label}|${key.slice(other.label.length + 1)}`);
        if (base)
          console.log(`${key.padEnd(60)} ${(result.perSecond / base.perSecond).toFixed(2)}×`);
      }
    }
  }
}
