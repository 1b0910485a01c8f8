/** Resolves many keys at once; returns one value per key, in the order of `keys`. */
export type BatchLoad<K, V> = (keys: readonly K[]) => Promise<readonly V[]>;

/**
 * Collects the keys asked for while the current tick's promise jobs run and resolves them with
 * one `load` call, so resolving N entities costs one store call or one remote request, not N.
 * Each key is loaded once per batcher: make one per request (see `perRequest`), never share one
 * between callers, since its answers may depend on who asks.
 */
export class Batcher<K, V> {
  private readonly cache = new Map<K, Promise<V>>();
  private queue: { key: K; resolve: (value: V) => void; reject: (error: unknown) => void }[] = [];

  constructor(private readonly loadBatch: BatchLoad<K, V>) {}

  load(key: K): Promise<V> {
    const cached = this.cache.get(key);
    if (cached) return cached;
    const value = new Promise<V>((resolve, reject) => {
      if (this.queue.length === 0) scheduleAfterPromiseJobs(() => void this.dispatch());
      this.queue.push({ key, resolve, reject });
    });
    this.cache.set(key, value);
    return value;
  }

  private async dispatch(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    try {
      const values = await this.loadBatch(batch.map((entry) => entry.key));
      if (values.length !== batch.length)
        throw new Error(
          `a batch of ${batch.length} keys was answered with ${values.length} values`,
        );
      batch.forEach((entry, index) => entry.resolve(values[index] as V));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}

/**
 * Runs `job` once the promise jobs queued now (and those they queue) have run: GraphQL resolves
 * the entities of one `_entities` list in promise jobs, so by then every key of the list is in.
 */
function scheduleAfterPromiseJobs(job: () => void): void {
  void Promise.resolve().then(() => process.nextTick(job));
}
