/**
 * A push-fed async iterator for one subscription. Unlike an async generator, `return()` takes
 * effect at once even while a `next()` is pending, so a client that leaves stops all work
 * (its bus listeners are released in `onClose`) without waiting for another event.
 * Kept rather than `@repeaterjs/repeater`: its `push` allocates a promise per event on the fan-out
 * hot path, and it has no drop-and-notify overflow for a slow consumer.
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffered: T[] = [];
  private readonly waiting: ((result: IteratorResult<T>) => void)[] = [];
  private closed = false;
  private finishing = false;

  constructor(
    private readonly onClose: () => void,
    /** Most values held for a reader that does not keep up. */
    private readonly maxBuffered: number,
    /** Called once when the buffer overflows; the queue then ends. */
    private readonly onOverflow: () => void,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  push(value: T): void {
    if (this.closed || this.finishing) return;
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter({ value, done: false });
      return;
    }
    if (this.buffered.length >= this.maxBuffered) {
      this.onOverflow();
      void this.return();
      return;
    }
    this.buffered.push(value);
  }

  next(): Promise<IteratorResult<T>> {
    const value = this.buffered.shift();
    if (value !== undefined) {
      if (this.finishing && this.buffered.length === 0) queueMicrotask(() => void this.return());
      return Promise.resolve({ value, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Ends the stream now: pending readers finish, listeners are released. Idempotent. */
  return(): Promise<IteratorResult<T>> {
    if (!this.closed) {
      this.closed = true;
      this.buffered.length = 0;
      for (const waiter of this.waiting.splice(0)) waiter({ value: undefined, done: true });
      this.onClose();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Ends after what is buffered has been read (the source has nothing more to say). */
  finish(): void {
    this.finishing = true;
    if (this.buffered.length === 0) void this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
