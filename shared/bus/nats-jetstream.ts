import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  NatsError,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  nanos,
  type ConsumerInfo,
  type JetStreamManager,
  type StreamConfig,
} from 'nats';
import { DurableConsumerConflictError } from './event-bus.js';

/** JetStream API error codes we branch on (nats-server `server/errors.json`). */
const jsErrorCodes = {
  streamNameInUse: 10058,
  consumerNotFound: 10014,
  consumerNameInUse: 10013,
  consumerAlreadyExists: 10148,
} as const;

/** The JetStream `err_code` of an API error, if it is one. */
export function jetStreamErrorCode(error: unknown): number | undefined {
  return error instanceof NatsError ? error.api_error?.err_code : undefined;
}

/** The stream holding every durable subject. */
export interface StreamSettings {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly duplicateWindowMs: number;
  readonly maxAgeMs: number;
}

/**
 * Creates the stream, or brings an existing one to these settings. Safe when several processes
 * start at once: creating with an identical config succeeds on the server, and a different one is
 * answered with "name in use", after which we update (last writer wins).
 */
export async function ensureStream(jsm: JetStreamManager, settings: StreamSettings): Promise<void> {
  const updatable = {
    subjects: [...settings.subjects],
    duplicate_window: nanos(settings.duplicateWindowMs),
    max_age: nanos(settings.maxAgeMs),
  };
  const config: Partial<StreamConfig> = {
    name: settings.name,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    ...updatable,
  };
  try {
    await jsm.streams.add(config);
  } catch (error) {
    if (jetStreamErrorCode(error) !== jsErrorCodes.streamNameInUse) throw error;
    await jsm.streams.update(settings.name, updatable);
  }
}

/** A durable pull consumer's settings. */
export interface ConsumerSettings {
  readonly stream: string;
  readonly durableName: string;
  readonly filterSubject: string;
  readonly ackWaitMs: number;
  readonly maxDeliver: number;
}

/**
 * Creates the durable consumer (deliver all, explicit ack), or brings the ack wait and max
 * deliver of an existing one up to date. An existing consumer with another filter subject is
 * refused (`DurableConsumerConflictError`) rather than updated in place, which has stalled
 * consumers on several server versions (2.9.10 here: new messages on the new filter never arrive).
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  settings: ConsumerSettings,
  raced = false,
): Promise<void> {
  const { stream, durableName, filterSubject } = settings;
  const updatable = { ack_wait: nanos(settings.ackWaitMs), max_deliver: settings.maxDeliver };
  const existing = await consumerInfo(jsm, stream, durableName);
  if (existing === undefined) {
    try {
      await jsm.consumers.add(stream, {
        durable_name: durableName,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        replay_policy: ReplayPolicy.Instant,
        filter_subject: filterSubject,
        ...updatable,
      });
      return;
    } catch (error) {
      const code = jetStreamErrorCode(error);
      const exists =
        code === jsErrorCodes.consumerAlreadyExists || code === jsErrorCodes.consumerNameInUse;
      if (!exists || raced) throw error;
      // Another process created it meanwhile: check it like an existing one.
      return ensureConsumer(jsm, settings, true);
    }
  }
  if (existing.config.filter_subject !== filterSubject) {
    throw new DurableConsumerConflictError(
      durableName,
      existing.config.filter_subject,
      filterSubject,
    );
  }
  if (
    existing.config.ack_wait !== updatable.ack_wait ||
    existing.config.max_deliver !== updatable.max_deliver
  ) {
    await jsm.consumers.update(stream, durableName, updatable);
  }
}

async function consumerInfo(
  jsm: JetStreamManager,
  stream: string,
  durableName: string,
): Promise<ConsumerInfo | undefined> {
  try {
    return await jsm.consumers.info(stream, durableName);
  } catch (error) {
    if (jetStreamErrorCode(error) === jsErrorCodes.consumerNotFound) return undefined;
    throw error;
  }
}
