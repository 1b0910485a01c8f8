/**
 * Splits `items` (without repeats) into lists of at most `size`: a partition-key `IN` with many
 * values makes one coordinator wait for every partition, so batch reads ask in bounded chunks.
 */
export function inChunks<T>(items: readonly T[], size: number): T[][] {
  const unique = [...new Set(items)];
  const chunks: T[][] = [];
  for (let i = 0; i < unique.length; i += size) chunks.push(unique.slice(i, i + size));
  return chunks;
}

/** Values grouped by a key, in first-seen order: single-partition reads for many (key, value) pairs. */
export function groupedBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
