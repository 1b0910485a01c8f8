type Outcome = { readonly value: unknown } | { readonly error: unknown };

interface Item {
  outcome?: Outcome;
  readonly then: (value: unknown) => Promise<void> | void;
}

/**
 * Hands results on in the order their events arrived, while the events are resolved
 * concurrently: a typing stop or an OFFLINE resolved faster than the event before it must not
 * overtake it. A plain queue rather than a chain of promises: an event fanned out to 10,000
 * subscribers costs each one callback on its result, not four promises.
 */
export class InOrder {
  private readonly items: Item[] = [];
  /** Set while an item's `then` runs or its promise is pending: later items wait for it. */
  private busy = false;

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Calls `then` with the value of `work` after every earlier item's `then` has run. */
  add<T>(work: Promise<T>, then: (value: T) => Promise<void> | void): void {
    const item: Item = { then: then as (value: unknown) => Promise<void> | void };
    this.items.push(item);
    // Handled at once, so a failure that waits for its turn is not an unhandled rejection.
    work.then(
      (value) => this.settle(item, { value }),
      (error: unknown) => this.settle(item, { error }),
    );
  }

  private settle(item: Item, outcome: Outcome): void {
    item.outcome = outcome;
    this.drain();
  }

  private drain(): void {
    if (this.busy) return;
    this.busy = true;
    for (let head = this.items[0]; head?.outcome; head = this.items[0]) {
      this.items.shift();
      if ('error' in head.outcome) {
        this.onError(head.outcome.error);
        continue;
      }
      let handed: Promise<void> | void;
      try {
        handed = head.then(head.outcome.value);
      } catch (error) {
        this.onError(error);
        continue;
      }
      if (handed) {
        // An asynchronous `then`: the next item waits until it has finished.
        handed.catch(this.onError).finally(() => {
          this.busy = false;
          this.drain();
        });
        return;
      }
    }
    this.busy = false;
  }
}
