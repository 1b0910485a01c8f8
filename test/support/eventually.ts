/** Re-runs `probe` until it returns `expected` (deep-equal by JSON) or the deadline passes. */
export async function eventually<T>(
  probe: () => Promise<T>,
  expected: T,
  timeoutMs = 5_000,
): Promise<T> {
  return until(probe, (value) => JSON.stringify(value) === JSON.stringify(expected), timeoutMs);
}

/** Re-runs `probe` until `done(value)` holds or the deadline passes; returns the last value. */
export async function until<T>(
  probe: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!done(last) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    last = await probe();
  }
  return last;
}
