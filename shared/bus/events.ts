/**
 * Every event on the bus, declared once: its subject, its payload and the parser its consumers
 * use. Publish and consume through `publishEvent` / `onEvent` (typed-events.ts) so a producer and
 * its consumers cannot drift. Payloads are JSON: times travel as ISO-8601 strings.
 */
import {
  accountDeletedPattern,
  accountDeletedSubject,
  connectionPattern,
  connectionSubject,
  deviceRevokedPattern,
  deviceRevokedSubject,
  durableSubjectPatterns,
  isDurableSubject,
  mailboxPattern,
  mailboxSubject,
  membershipPattern,
  membershipSubject,
  presencePattern,
  presenceSubject,
  pushPattern,
  pushSubject,
  sessionRevokedPattern,
  sessionRevokedSubject,
  typingPattern,
  typingSubject,
} from './subjects.js';
import {
  isBoolean,
  isDeviceId,
  isDeviceIdList,
  isId,
  isStringList,
  isTime,
  objectOf,
  oneOf,
} from './payload-guards.js';

/** One kind of event: where a payload is published and how a consumer reads one back. */
export interface BusEventType<Payload> {
  /** The subject family, e.g. `connection` (for logs). */
  readonly name: string;
  /** Matches the subject of every event of this kind. */
  readonly pattern: string;
  /** Durable events go through `publishDurableEvent` and `consumeEvent`. */
  readonly durable: boolean;
  /** The subject this payload is published on. */
  subjectOf(payload: Payload): string;
  /** The payload from an untrusted value (bus payloads are `unknown`), or null when malformed. */
  parse(data: unknown): Payload | null;
}

export interface CoreEventType<Payload> extends BusEventType<Payload> {
  readonly durable: false;
}

export interface DurableEventType<Payload> extends BusEventType<Payload> {
  readonly durable: true;
}

/** What a declaration states; the rest follows from the pattern. */
type Declaration<Payload> = Pick<BusEventType<Payload>, 'pattern' | 'subjectOf' | 'parse'>;

/** `guardyn.device.revoked.*` → `device.revoked`. */
const familyOf = (pattern: string) =>
  pattern
    .split('.')
    .slice(1)
    .filter((token) => token !== '*')
    .join('.');

function coreEvent<Payload>(declaration: Declaration<Payload>): CoreEventType<Payload> {
  return { ...declaration, name: familyOf(declaration.pattern), durable: false };
}

/** A durable event; its pattern must lie in the durable stream (`durableSubjectPatterns`). */
function durableEvent<Payload>(declaration: Declaration<Payload>): DurableEventType<Payload> {
  if (!isDurableSubject(durableSubjectPatterns, declaration.pattern)) {
    throw new Error(`${declaration.pattern} is not a durable subject`);
  }
  return { ...declaration, name: familyOf(declaration.pattern), durable: true };
}

/** A device's mailbox has new envelopes: `guardyn.mailbox.<userId>.<deviceId>`, core, a hint. */
export interface MailboxEvent {
  readonly userId: string;
  readonly deviceId: number;
  readonly envelopeId: string;
}

const envelopeFields = { userId: isId, deviceId: isDeviceId, envelopeId: isId };

export const mailboxEvent = coreEvent<MailboxEvent>({
  pattern: mailboxPattern,
  subjectOf: (event) => mailboxSubject(event.userId, event.deviceId),
  parse: objectOf(envelopeFields),
});

/** A device has mail to be woken for: `guardyn.push.<userId>.<deviceId>`, durable (msgId: the envelope id). */
export type PushEvent = MailboxEvent;

export const pushEvent = durableEvent<PushEvent>({
  pattern: pushPattern,
  subjectOf: (event) => pushSubject(event.userId, event.deviceId),
  parse: objectOf(envelopeFields),
});

/** Someone started or stopped typing: `guardyn.typing.<conversationId>`, core, ephemeral. */
export interface TypingEvent {
  readonly conversationId: string;
  readonly userId: string;
  readonly typing: boolean;
  /** ISO-8601 time of the event. */
  readonly at: string;
}

export const typingEvent = coreEvent<TypingEvent>({
  pattern: typingPattern,
  subjectOf: (event) => typingSubject(event.conversationId),
  parse: objectOf({ conversationId: isId, userId: isId, typing: isBoolean, at: isTime }),
});

/** A user's announced presence changed: `guardyn.presence.<userId>`, core, ephemeral. */
export interface PresenceEvent {
  readonly userId: string;
  readonly status: 'ONLINE' | 'AWAY' | 'OFFLINE';
}

export const presenceEvent = coreEvent<PresenceEvent>({
  pattern: presencePattern,
  subjectOf: (event) => presenceSubject(event.userId),
  parse: objectOf({ userId: isId, status: oneOf('ONLINE', 'AWAY', 'OFFLINE') }),
});

/** A conversation's members changed: `guardyn.membership.<conversationId>`, core (see membershipSubject). */
export interface MembershipEvent {
  readonly conversationId: string;
  readonly removedUserIds: readonly string[];
  readonly addedUserIds: readonly string[];
  /** ISO-8601 time of the change. */
  readonly at: string;
}

export const membershipEvent = coreEvent<MembershipEvent>({
  pattern: membershipPattern,
  subjectOf: (event) => membershipSubject(event.conversationId),
  parse: objectOf({
    conversationId: isId,
    removedUserIds: isStringList,
    addedUserIds: isStringList,
    at: isTime,
  }),
});

/** A device's socket opened or closed at a gateway: `guardyn.connection.<userId>.<deviceId>`, core. */
export interface ConnectionEvent {
  readonly userId: string;
  readonly deviceId: number;
  /** One socket; a device may have several (several gateways, reconnects). */
  readonly connectionId: string;
  readonly state: 'open' | 'closed';
  /** ISO-8601 time of the event. */
  readonly at: string;
}

export const connectionEvent = coreEvent<ConnectionEvent>({
  pattern: connectionPattern,
  subjectOf: (event) => connectionSubject(event.userId, event.deviceId),
  parse: objectOf({
    userId: isId,
    deviceId: isDeviceId,
    connectionId: isId,
    state: oneOf('open', 'closed'),
    at: isTime,
  }),
});

/** A session ended: `guardyn.session.revoked.<userId>`, core (see sessionRevokedSubject). */
export interface SessionRevokedEvent {
  readonly userId: string;
  /** At most 64 characters: verifiers remember revoked ids, so a longer one is refused. */
  readonly sessionId: string;
}

const isSessionId = (value: unknown): value is string => isId(value) && value.length <= 64;

export const sessionRevokedEvent = coreEvent<SessionRevokedEvent>({
  pattern: sessionRevokedPattern,
  subjectOf: (event) => sessionRevokedSubject(event.userId),
  parse: objectOf({ userId: isId, sessionId: isSessionId }),
});

/** A device was removed: `guardyn.device.revoked.<userId>`, durable. */
export interface DeviceRevokedEvent {
  readonly userId: string;
  readonly deviceId: number;
}

export const deviceRevokedEvent = durableEvent<DeviceRevokedEvent>({
  pattern: deviceRevokedPattern,
  subjectOf: (event) => deviceRevokedSubject(event.userId),
  parse: objectOf({ userId: isId, deviceId: isDeviceId }),
});

/** An account was deleted: `guardyn.account.deleted.<userId>`, durable (msgId: `account-deleted.<userId>`). */
export interface AccountDeletedEvent {
  readonly userId: string;
  /** The devices the account had: their mailboxes and push tokens go. */
  readonly deviceIds: readonly number[];
}

export const accountDeletedEvent = durableEvent<AccountDeletedEvent>({
  pattern: accountDeletedPattern,
  subjectOf: (event) => accountDeletedSubject(event.userId),
  parse: objectOf({ userId: isId, deviceIds: isDeviceIdList }),
});

/** Every declared event (tests check them against the durable subjects). */
export const busEventTypes: readonly BusEventType<unknown>[] = [
  mailboxEvent,
  pushEvent,
  typingEvent,
  presenceEvent,
  membershipEvent,
  connectionEvent,
  sessionRevokedEvent,
  deviceRevokedEvent,
  accountDeletedEvent,
];
