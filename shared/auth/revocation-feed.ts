import { onEvent, sessionRevokedEvent, type BusSubscription, type EventBus } from '../bus/index.js';
import type { RevokedSessions } from './revocations.js';

/** Feeds `revoked` from `guardyn.session.revoked.*` events; malformed payloads are ignored. */
export function followSessionRevocations(bus: EventBus, revoked: RevokedSessions): BusSubscription {
  return onEvent(bus, sessionRevokedEvent, ({ sessionId }) => revoked.add(sessionId));
}
