/** A queue from callbacks to `await`: values pushed by a subscription, taken in order. */
export class AsyncQueue<T> {
  readonly #values: T[] = [];
  #waiting: (() => void) | undefined;
  #ended = false;
  #failure: { error: unknown } | undefined;

  push(value: T): void {
    this.#values.push(value);
    this.#wake();
  }

  /** No more values: {@link next} resolves undefined once the queue is drained. */
  end(): void {
    this.#ended = true;
    this.#wake();
  }

  /** {@link next} rejects with `error` once the queue is drained. */
  fail(error: unknown): void {
    this.#failure = { error };
    this.#wake();
  }

  async next(): Promise<T | undefined> {
    for (;;) {
      if (this.#values.length > 0) return this.#values.shift();
      if (this.#failure) throw this.#failure.error;
      if (this.#ended) return undefined;
      await new Promise<void>((resolve) => (this.#waiting = resolve));
    }
  }

  #wake(): void {
    const wake = this.#waiting;
    this.#waiting = undefined;
    wake?.();
  }
}
