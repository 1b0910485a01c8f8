import type { Repeater } from './timer-wheel.js';

/**
 * A subscriber's right to a stream's data, granted at subscribe time and re-checked later: when
 * an event says it may have ended, and on a timer (core NATS may drop that event). Deliveries
 * wait for the check in flight, so nothing is delivered once a check has said no; the first
 * "no" ends the right for good (the client may subscribe again and be checked afresh).
 */
export class RightsCheck {
  private current: Promise<boolean>;
  /** The answer of `current` once it has settled (undefined while it is in flight or failed). */
  private known: boolean | undefined;
  private revoked = false;
  private stopped = false;
  private readonly stopRepeating: () => void;

  /** Runs the first check at once; `allowed()` rejects if it fails. */
  constructor(
    private readonly check: () => Promise<boolean>,
    /** Repeats the re-check (one timer wheel for every subscription of the server). */
    rechecks: Repeater,
    /** Called once, when a check says no. */
    private readonly onRevoked: () => void,
    private readonly onError: (error: unknown) => void,
  ) {
    this.current = this.settle(check());
    this.stopRepeating = rechecks.every(() => this.recheck());
  }

  /** Starts a check now; deliveries from here on wait for its answer. */
  recheck(): void {
    if (this.revoked || this.stopped) return;
    const previous = this.current;
    this.known = undefined;
    // A failed re-check (messaging unreachable) keeps the last answer; the timer tries again.
    this.current = this.settle(
      this.check().catch((error: unknown) => {
        this.onError(error);
        return previous.catch(() => false);
      }),
    );
  }

  /**
   * `allowed()` without waiting, when the latest check has answered: true or false as it would
   * resolve; undefined while a check is in flight (then await `allowed()`). Spares a promise per
   * subscriber per event in a fan-out.
   */
  allowedNow(): boolean | undefined {
    return this.known === undefined ? undefined : this.known && !this.revoked;
  }

  /** Whether data may be delivered now: the answer of the latest check, once it is known. */
  async allowed(): Promise<boolean> {
    const allowed = await this.current;
    return allowed && !this.revoked;
  }

  /** Stops re-checking (the stream ended). Idempotent. */
  stop(): void {
    this.stopped = true;
    this.stopRepeating();
  }

  private settle(answer: Promise<boolean>): Promise<boolean> {
    const settled: Promise<boolean> = answer.then((allowed) => {
      // Known only if no later check has started meanwhile.
      if (this.current === settled) this.known = allowed;
      if (!allowed && !this.revoked) {
        this.revoked = true;
        this.stop();
        this.onRevoked();
      }
      return allowed;
    });
    return settled;
  }
}
