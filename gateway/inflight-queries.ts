/**
 * Identical subgraph queries in flight at once share one call: same subgraph URL, same body
 * (operation and variables), same forwarded credentials and client address. A subgraph answers
 * such twins alike (queries do not write), so the second caller takes the first one's answer
 * instead of making the subgraph do the work again: Hive Gateway does the same by default.
 *
 * Read-your-writes: every mutation the gateway runs (anyone's) moves a generation on when it
 * starts and again when it ends; a query joins only a call begun in the same generation. So a
 * query sent after a mutation answered never takes an answer read before it, and nothing joins
 * across a mutation in flight.
 */
export class InflightQueries<Answer> {
  private readonly inflight = new Map<string, Promise<Answer>>();
  private generation = 0;

  /** How many calls are in flight (tests). */
  get size(): number {
    return this.inflight.size;
  }

  /** Runs `mutation` between two generation steps. */
  async mutation<T>(run: () => Promise<T>): Promise<T> {
    this.generation++;
    try {
      return await run();
    } finally {
      this.generation++;
    }
  }

  /** Sends the query, or joins the identical one in flight. `key` names every input of the call. */
  query(key: string, send: () => Promise<Answer>): Promise<Answer> {
    const fullKey = `${this.generation}\n${key}`;
    const running = this.inflight.get(fullKey);
    if (running) return running;
    const started = send();
    this.inflight.set(fullKey, started);
    const forget = () => {
      if (this.inflight.get(fullKey) === started) this.inflight.delete(fullKey);
    };
    started.then(forget, forget);
    return started;
  }
}
