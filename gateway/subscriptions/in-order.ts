/**
 * Hands results on in the order their events arrived, while the events are resolved
 * concurrently: a typing stop or an OFFLINE resolved faster than the event before it must not
 * overtake it.
 */
export class InOrder {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Calls `then` with the value of `work` after every earlier item's `then` has run. */
  add<T>(work: Promise<T>, then: (value: T) => Promise<void> | void): void {
    // Handled at once, so a failure that waits for its turn is not an unhandled rejection.
    const settled = work.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    this.tail = this.tail
      .then(async () => {
        const outcome = await settled;
        if ('error' in outcome) this.onError(outcome.error);
        else await then(outcome.value);
      })
      .catch(this.onError);
  }
}
