import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/**
 * Profiles `work` with V8's CPU profiler when REALTIME_PROFILE names a file (a .cpuprofile, for
 * summarise-profile.ts or Chrome's DevTools); otherwise just runs it.
 */
export async function profiled<T>(label: string, work: () => Promise<T>): Promise<T> {
  const file = process.env['REALTIME_PROFILE'];
  if (!file) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    const path = file.replace(/(\.cpuprofile)?$/, `-${label}.cpuprofile`);
    await writeFile(path, JSON.stringify(profile));
    console.log(`\nCPU profile of ${label}: ${path}`);
    session.disconnect();
  }
}
