import type { ServiceName } from '../../../shared/config/index.js';
import { samplesOf, scrape, type MetricSample } from '../../support/metrics-text.js';

const mib = (bytes: number | undefined) =>
  bytes === undefined ? Number.NaN : Math.round(bytes / 2 ** 20);

const valueOf = (samples: readonly MetricSample[], name: string) =>
  samplesOf(samples, name)[0]?.value;

/** One process's memory from its /metrics, in MiB. */
export interface MemorySample {
  /** `process_resident_memory_bytes`: what the OS counts, which V8 and malloc rarely give back. */
  readonly rss: number;
  /**
   * V8's used heap plus external memory (Buffers: socket write queues, message bodies): what the
   * process holds, garbage not yet collected included.
   */
  readonly live: number;
}

export async function memoryOf(port: number): Promise<MemorySample> {
  try {
    const samples = await scrape(`http://127.0.0.1:${port}`);
    const heap = valueOf(samples, 'nodejs_heap_size_used_bytes');
    const external = valueOf(samples, 'nodejs_external_memory_bytes');
    return {
      rss: mib(valueOf(samples, 'process_resident_memory_bytes')),
      live: heap === undefined || external === undefined ? Number.NaN : mib(heap + external),
    };
  } catch {
    return { rss: Number.NaN, live: Number.NaN };
  }
}

/** Each service's resident memory (`process_resident_memory_bytes` of its /metrics), in MiB. */
export async function residentMemory(
  ports: Readonly<Record<ServiceName, number>>,
): Promise<Record<string, number>> {
  const entries = await Promise.all(
    Object.entries(ports).map(async ([name, port]) => [name, (await memoryOf(port)).rss] as const),
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
