import type { ServiceName } from '../../../shared/config/index.js';
import { samplesOf, scrape } from '../../support/metrics-text.js';

/** Each service's resident memory (`process_resident_memory_bytes` of its /metrics), in MiB. */
export async function residentMemory(
  ports: Readonly<Record<ServiceName, number>>,
): Promise<Record<string, number>> {
  const entries = await Promise.all(
    Object.entries(ports).map(async ([name, port]) => {
      try {
        const [sample] = samplesOf(
          await scrape(`http://127.0.0.1:${port}`),
          'process_resident_memory_bytes',
        );
        return [name, sample ? Math.round(sample.value / 2 ** 20) : Number.NaN] as const;
      } catch {
        return [name, Number.NaN] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * The services whose memory did not come back near its baseline: more than half again plus
 * `slackMiB` above it (a restarted process starts lower, so only growth counts).
 */
export function grownServices(
  baseline: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
  slackMiB = 64,
): string[] {
  return Object.entries(after)
    .filter(([name, mib]) => mib > (baseline[name] ?? Number.POSITIVE_INFINITY) * 1.5 + slackMiB)
    .map(([name, mib]) => `${name}: ${baseline[name]} → ${mib} MiB`);
}
