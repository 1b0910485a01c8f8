/** Re-runs `probe` until it returns `expected` (deep-equal by JSON) or the deadline passes. */
export async function eventually<T>(
  probe: () => Promise<T>,
  expected: T,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (JSON.stringify(last) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    last = await probe();
  }
  return last;
}
