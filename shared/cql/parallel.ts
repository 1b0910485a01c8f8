/**
 * Kept rather than `p-map`: p-map rejects at the first failure while other tasks still run, and a
 * store that cleans up after a failed bulk write must not race writes still in flight.
 */

/**
 * Runs `task` for every item with at most `limit` running at once, and resolves with the results
 * in the items' order. The first failure rejects (after the running tasks settle).
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const index = next++;
      try {
        results[index] = await task(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
