/**
 * Jest's globalTeardown: names what still keeps the event loop alive once every test file has
 * cleaned up. jest.config.js sets `forceExit`, because one CI run passed every test and then sat
 * until its time limit on a leak no later run reproduced (not even under --detectOpenHandles);
 * this report keeps such a leak visible in the log instead of silent or fatal.
 */
const expected = new Set(['TTYWrap', 'PipeWrap']);

export default async function reportOpenHandles(): Promise<void> {
  // Sockets and servers closed in the last afterAll finish closing on the next turns.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const open = process.getActiveResourcesInfo().filter((type) => !expected.has(type));
  if (open.length === 0) return;
  const counts = new Map<string, number>();
  for (const type of open) counts.set(type, (counts.get(type) ?? 0) + 1);
  const list = [...counts].map(([type, count]) => `${type} ×${count}`).join(', ');
  process.stderr.write(`\nstill open after the last test (a leak to find): ${list}\n`);
}
