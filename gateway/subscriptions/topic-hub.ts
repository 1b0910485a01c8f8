import type { BusSubscription, EventBus } from '../../shared/bus/index.js';

/** One event as every local listener of its subject sees it. */
export interface HubEvent {
  readonly subject: string;
  readonly data: unknown;
  /**
   * Work shared by the listeners of this one event (e.g. one execution of a selection set that
   * does not depend on who asks), keyed by the caller.
   */
  readonly shared: Map<string, Promise<unknown>>;
}

export type HubListener = (event: HubEvent) => void;

/**
 * One bus subscription per subject however many sockets listen to it: a typing event for a
 * conversation with 1,000 subscribers crosses NATS once and is resolved once where possible.
 */
export class TopicHub {
  private readonly topics = new Map<
    string,
    { subscription: BusSubscription; listeners: Set<HubListener> }
  >();

  constructor(private readonly bus: EventBus) {}

  /** Starts listening; the returned function stops, releasing the bus subscription with the last listener. */
  listen(subject: string, listener: HubListener): () => void {
    let topic = this.topics.get(subject);
    if (!topic) {
      const listeners = new Set<HubListener>();
      const subscription = this.bus.subscribe(subject, ({ data }) => {
        const event: HubEvent = { subject, data, shared: new Map() };
        for (const each of [...listeners]) each(event);
      });
      topic = { subscription, listeners };
      this.topics.set(subject, topic);
    }
    topic.listeners.add(listener);
    const current = topic;
    return () => {
      current.listeners.delete(listener);
      if (current.listeners.size === 0 && this.topics.get(subject) === current) {
        current.subscription.unsubscribe();
        this.topics.delete(subject);
      }
    };
  }

  /** How many subjects have a live bus subscription (for tests and metrics). */
  get subjectCount(): number {
    return this.topics.size;
  }
}
