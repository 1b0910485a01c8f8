/**
 * Subjects of docs/bus.md (their payloads and parsers: events.ts) and the NATS subject grammar:
 * tokens separated by `.`; in patterns `*` matches one token and `>` (last only) one or more.
 */

const root = 'guardyn';

/** Subjects stored durably (the JetStream stream's subjects); everything else is core. */
export const durableSubjectPatterns: readonly string[] = [
  `${root}.push.>`,
  `${root}.device.revoked.>`,
  `${root}.account.deleted.>`,
];

/** A malformed subject, pattern, token or durable name. */
export class InvalidSubjectError extends Error {
  readonly value: string;
  readonly reason: string;

  constructor(value: string, reason: string) {
    super(`Invalid subject ${JSON.stringify(value)}: ${reason}`);
    this.name = new.target.name;
    this.value = value;
    this.reason = reason;
  }
}

const forbiddenInToken = /[.*>\s]/u;

/**
 * Checks that a value can be one subject token (an id): not empty, no `.`, `*`, `>` or
 * whitespace. Returns it; throws `InvalidSubjectError` otherwise.
 */
export function subjectToken(value: string): string {
  if (value.length === 0) throw new InvalidSubjectError(value, 'empty token');
  if (forbiddenInToken.test(value)) {
    throw new InvalidSubjectError(value, 'a token may not contain ".", "*", ">" or whitespace');
  }
  return value;
}

/** `guardyn.mailbox.<userId>.<deviceId>`: core, a hint to read the mailbox. */
export function mailboxSubject(userId: string, deviceId: string | number): string {
  return `${root}.mailbox.${subjectToken(userId)}.${subjectToken(String(deviceId))}`;
}

/** `guardyn.push.<userId>.<deviceId>`: durable, for the notification service. */
export function pushSubject(userId: string, deviceId: string | number): string {
  return `${root}.push.${subjectToken(userId)}.${subjectToken(String(deviceId))}`;
}

/** `guardyn.typing.<conversationId>`: core, ephemeral. */
export function typingSubject(conversationId: string): string {
  return `${root}.typing.${subjectToken(conversationId)}`;
}

/** `guardyn.presence.<userId>`: core, ephemeral. */
export function presenceSubject(userId: string): string {
  return `${root}.presence.${subjectToken(userId)}`;
}

/**
 * `guardyn.membership.<conversationId>`: core, a conversation's members changed (a member left,
 * a commit removed or added members). Payload: `MembershipEvent` (events.ts). Listeners re-check rights
 * they granted on membership (the gateway's typing streams); core NATS may drop an event, so
 * they also re-check on a timer.
 */
export function membershipSubject(conversationId: string): string {
  return `${root}.membership.${subjectToken(conversationId)}`;
}

/**
 * `guardyn.connection.<userId>.<deviceId>`: core, a device's socket opened or closed at a
 * gateway. Payload: `ConnectionEvent` (events.ts). Gateways repeat `open` as a heartbeat while the
 * socket lives, so listeners expire state they have not heard about for a while.
 */
export function connectionSubject(userId: string, deviceId: string | number): string {
  return `${root}.connection.${subjectToken(userId)}.${subjectToken(String(deviceId))}`;
}

/**
 * `guardyn.session.revoked.<userId>`: core. Sessions ended by logout, revocation, refresh-token
 * reuse or device removal; every service's token verifier refuses them from then on (tokens
 * expire within 15 minutes anyway, so a missed event costs at most that).
 */
export function sessionRevokedSubject(userId: string): string {
  return `${root}.session.revoked.${subjectToken(userId)}`;
}

/** Every device's mailbox hints. */
export const mailboxPattern = `${root}.mailbox.*.*`;

/** Every device's push events. */
export const pushPattern = `${root}.push.*.*`;

/** Every conversation's typing events. */
export const typingPattern = `${root}.typing.*`;

/** Every user's presence changes. */
export const presencePattern = `${root}.presence.*`;

/** Every conversation's membership changes. */
export const membershipPattern = `${root}.membership.*`;

/** Every device's connection events. */
export const connectionPattern = `${root}.connection.*.*`;

/** Every user's session revocations. */
export const sessionRevokedPattern = `${root}.session.revoked.*`;

/** Every user's device revocations. */
export const deviceRevokedPattern = `${root}.device.revoked.*`;

/** `guardyn.device.revoked.<userId>`: durable. */
export function deviceRevokedSubject(userId: string): string {
  return `${root}.device.revoked.${subjectToken(userId)}`;
}

/** Every user's account deletions. */
export const accountDeletedPattern = `${root}.account.deleted.*`;

/**
 * `guardyn.account.deleted.<userId>`: durable. Auth deleted the account; each subgraph's durable
 * consumer deletes what it holds of the user (idempotently, so a redelivery does no harm).
 */
export function accountDeletedSubject(userId: string): string {
  return `${root}.account.deleted.${subjectToken(userId)}`;
}

/** Checks a concrete subject (for publishing): non-empty tokens, no wildcards, no whitespace. */
export function assertSubject(subject: string): void {
  for (const token of subject.split('.')) {
    if (token.length === 0) throw new InvalidSubjectError(subject, 'empty token');
    if (forbiddenInToken.test(token)) {
      throw new InvalidSubjectError(subject, 'a subject may not contain "*", ">" or whitespace');
    }
  }
}

/** Checks a subscription pattern: like a subject, but `*` and `>` may be whole tokens, `>` last. */
export function assertSubjectPattern(pattern: string): void {
  const tokens = pattern.split('.');
  tokens.forEach((token, index) => {
    if (token === '*') return;
    if (token === '>') {
      if (index === tokens.length - 1) return;
      throw new InvalidSubjectError(pattern, '">" must be the last token');
    }
    if (token.length === 0) throw new InvalidSubjectError(pattern, 'empty token');
    if (forbiddenInToken.test(token)) {
      throw new InvalidSubjectError(pattern, 'wildcards must be whole tokens; no whitespace');
    }
  });
}

/** Checks a durable consumer name: one token, also without `/` or `\` (NATS rules). */
export function assertDurableName(name: string): void {
  subjectToken(name);
  if (/[/\\]/u.test(name))
    throw new InvalidSubjectError(name, 'a durable name may not contain "/" or "\\"');
}

/** Whether every subject matching `inner` also matches `outer` (both patterns). */
export function subjectPatternCovers(outer: string, inner: string): boolean {
  const outerTokens = patternTokens(outer);
  const innerTokens = inner.split('.');
  for (let index = 0; index < outerTokens.length; index++) {
    const token = outerTokens[index];
    if (token === '>') return innerTokens.length > index;
    const other = innerTokens[index];
    if (other === undefined || other === '>') return false;
    if (token !== '*' && token !== other) return false;
  }
  return outerTokens.length === innerTokens.length;
}

/** Patterns are few and matched against every event: their tokens are split once. */
const splitPatterns = new Map<string, readonly string[]>();

function patternTokens(pattern: string): readonly string[] {
  let tokens = splitPatterns.get(pattern);
  if (!tokens) {
    tokens = pattern.split('.');
    // Bounded: subjects are matched as patterns too (coverage), and those are not few.
    if (splitPatterns.size >= 4096) splitPatterns.clear();
    splitPatterns.set(pattern, tokens);
  }
  return tokens;
}

/**
 * Whether a concrete subject matches a pattern, with NATS semantics (`>` needs one token or
 * more): a subject is the narrowest pattern, so this is coverage.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  return subjectPatternCovers(pattern, subject);
}

/** Whether a subject or pattern lies inside one of the durable subject patterns. */
export function isDurableSubject(
  durableSubjects: readonly string[],
  subjectOrPattern: string,
): boolean {
  return durableSubjects.some((pattern) => subjectPatternCovers(pattern, subjectOrPattern));
}
