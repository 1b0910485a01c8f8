/**
 * Runs tasks one after another. libsignal sessions and MLS group states are read, changed and
 * written back across awaits; two of those interleaving (a send while a message is decrypted)
 * would lose one update and break the ratchet, so each device runs them in one line.
 */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
