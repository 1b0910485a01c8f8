/**
 * Ascending numbers appended at the back and dropped from the front, each in O(1) amortised: the
 * front moves by an offset and the array is compacted once the dropped part is at least half of
 * it (instead of `splice`, which shifts every element on each drop).
 */
export class SequenceQueue<T> {
  #items: T[] = [];
  #head = 0;

  constructor(private readonly seqOf: (item: T) => number) {}

  get length(): number {
    return this.#items.length - this.#head;
  }

  /** The item at `index` from the front. */
  at(index: number): T | undefined {
    return index < 0 ? undefined : this.#items[this.#head + index];
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** Drops every item whose sequence number is below `seq`. */
  dropBelow(seq: number): void {
    const items = this.#items;
    while (this.#head < items.length && this.seqOf(items[this.#head] as T) < seq) this.#head += 1;
    if (this.#head >= 1024 && this.#head * 2 >= items.length) {
      this.#items = items.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The first item whose sequence number is `seq` or later (binary search). */
  firstAtOrAfter(seq: number): T | undefined {
    const items = this.#items;
    let low = this.#head;
    let high = items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.seqOf(items[middle] as T) < seq) low = middle + 1;
      else high = middle;
    }
    return items[low];
  }
}
