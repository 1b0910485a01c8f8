/** Something that calls a callback repeatedly until told to stop. */
export interface Repeater {
  every(callback: () => void): () => void;
}

/**
 * Many callbacks that each repeat every `periodMs`, on one timer instead of one per callback:
 * 100,000 sockets would otherwise hold 100,000 timers (keep-alive pings, rights re-checks,
 * mailbox polls). The period is cut into slots ticked in turn, so the callbacks stay spread over
 * it as their registrations were, rather than all firing at once.
 */
export class TimerWheel implements Repeater {
  private readonly slots: Set<() => void>[];
  private readonly tickMs: number;
  private cursor = 0;
  private count = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    periodMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    // Slots of at least 100 ms, at most 60: about a second apart at a minute.
    const slotCount = Math.min(60, Math.max(1, Math.floor(periodMs / 100)));
    this.tickMs = periodMs / slotCount;
    this.slots = Array.from({ length: slotCount }, () => new Set());
  }

  /**
   * Calls `callback` every period, the first time one period from now (to within a slot),
   * until the returned function is called.
   */
  every(callback: () => void): () => void {
    // The slot ticked last comes round again one whole period from now.
    const slot = this.slots[(this.cursor + this.slots.length - 1) % this.slots.length] as Set<
      () => void
    >;
    // A function registered twice in one slot gets a wrapper, so each registration stands alone.
    const entry = slot.has(callback) ? () => callback() : callback;
    slot.add(entry);
    this.count++;
    this.timer ??= this.start();
    return () => {
      if (!slot.delete(entry)) return;
      if (--this.count === 0) this.stop();
    };
  }

  /** Callbacks registered now (for tests and metrics). */
  get size(): number {
    return this.count;
  }

  /** Stops the timer and forgets every callback (shutdown). */
  dispose(): void {
    for (const slot of this.slots) slot.clear();
    this.count = 0;
    this.stop();
  }

  private start(): NodeJS.Timeout {
    const timer = setInterval(() => this.tick(), this.tickMs);
    timer.unref();
    return timer;
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const slot = this.slots[this.cursor] as Set<() => void>;
    this.cursor = (this.cursor + 1) % this.slots.length;
    // A copy: a callback may register again, and with one slot that would be this same set.
    for (const callback of [...slot]) {
      try {
        callback();
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
