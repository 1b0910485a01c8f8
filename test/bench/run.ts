/**
 * `npm run bench [-- name...]`: runs the named benchmarks (all when none is named) and prints
 * percentiles and ratios. Nothing here is asserted; record figures in test/bench/README.md.
 */
import { benchGateway } from './gateway.js';
import { benchMailboxStore } from './mailbox-store.js';
import { benchOperationLimits } from './operation-limits.js';
import { benchPasswordHash } from './password-hash.js';
import { benchRealtime } from './realtime.js';
import { benchSend } from './send.js';
import { benchTracing } from './tracing.js';

const benchmarks: Record<string, () => Promise<void>> = {
  password: () => benchPasswordHash(),
  mailbox: () => benchMailboxStore(),
  realtime: () => benchRealtime(),
  limits: () => benchOperationLimits(),
  tracing: () => benchTracing(),
  gateway: () => benchGateway(),
  send: () => benchSend(),
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!benchmarks[name]) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(benchmarks).join(', ')}`);
    process.exit(2);
  }
}
for (const [name, run] of Object.entries(benchmarks)) {
  if (wanted.length === 0 || wanted.includes(name)) await run();
}
