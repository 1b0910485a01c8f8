import { SequenceQueue } from './sequence-queue.js';
import { subjectMatches } from './subjects.js';

/** One message in the durable log. */
export interface StoredMessage {
  readonly seq: number;
  readonly subject: string;
  readonly json: string;
  readonly msgId: string | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
}

const seqOf = (message: StoredMessage) => message.seq;

/**
 * An in-memory stand-in for a JetStream stream: a bounded log (the oldest messages are dropped
 * past `maxMessages`) with msgId deduplication inside a time window.
 *
 * Each consumer pattern asked for gets an index of its matching messages, kept as messages are
 * appended and dropped, so finding a consumer's next message costs the same however much history
 * is retained (scanning the log from the consumer's cursor made every send dearer as it grew).
 */
export class DurableLog {
  readonly #messages = new SequenceQueue(seqOf);
  /** Pattern → the retained messages matching it, in sequence order. */
  readonly #byPattern = new Map<string, SequenceQueue<StoredMessage>>();
  /** msgId → when it was stored; insertion order is time order, so expiry prunes from the front. */
  readonly #recentMsgIds = new Map<string, number>();
  readonly #maxMessages: number;
  readonly #duplicateWindowMs: number;
  #nextSeq = 1;

  constructor(options: { maxMessages: number; duplicateWindowMs: number }) {
    this.#maxMessages = options.maxMessages;
    this.#duplicateWindowMs = options.duplicateWindowMs;
  }

  /** Stores a message unless its msgId was stored within the window; returns whether it was. */
  append(
    subject: string,
    json: string,
    msgId: string | undefined,
    headers?: Readonly<Record<string, string>>,
  ): boolean {
    const now = Date.now();
    for (const [id, storedAt] of this.#recentMsgIds) {
      if (now - storedAt < this.#duplicateWindowMs) break;
      this.#recentMsgIds.delete(id);
    }
    if (msgId !== undefined) {
      if (this.#recentMsgIds.has(msgId)) return false;
      this.#recentMsgIds.set(msgId, now);
    }
    const message: StoredMessage = { seq: this.#nextSeq, subject, json, msgId, headers };
    this.#nextSeq += 1;
    this.#messages.push(message);
    for (const [pattern, matching] of this.#byPattern) {
      if (subjectMatches(pattern, subject)) matching.push(message);
    }
    if (this.#messages.length > this.#maxMessages) {
      const firstKept = this.#nextSeq - this.#maxMessages;
      this.#messages.dropBelow(firstKept);
      for (const matching of this.#byPattern.values()) matching.dropBelow(firstKept);
    }
    return true;
  }

  /** The message with this sequence number, if still retained. */
  get(seq: number): StoredMessage | undefined {
    const first = this.#messages.at(0);
    return first === undefined ? undefined : this.#messages.at(seq - first.seq);
  }

  /** The first retained message at or after `fromSeq` whose subject matches the pattern. */
  next(fromSeq: number, pattern: string): StoredMessage | undefined {
    return this.#index(pattern).firstAtOrAfter(fromSeq);
  }

  /** The pattern's index, built from the retained messages the first time it is asked for. */
  #index(pattern: string): SequenceQueue<StoredMessage> {
    let matching = this.#byPattern.get(pattern);
    if (matching === undefined) {
      matching = new SequenceQueue(seqOf);
      for (let index = 0; index < this.#messages.length; index++) {
        const message = this.#messages.at(index);
        if (message !== undefined && subjectMatches(pattern, message.subject)) {
          matching.push(message);
        }
      }
      this.#byPattern.set(pattern, matching);
    }
    return matching;
  }
}
