import { sessionRevokedPattern, type BusSubscription, type EventBus } from '../bus/index.js';
import type { RevokedSessions } from './revocations.js';

/** Feeds `revoked` from `guardyn.session.revoked.*` events; payloads are validated, others ignored. */
export function followSessionRevocations(bus: EventBus, revoked: RevokedSessions): BusSubscription {
  return bus.subscribe(sessionRevokedPattern, ({ data }) => {
    const sessionId = (data as { sessionId?: unknown } | null)?.sessionId;
    if (typeof sessionId === 'string' && sessionId.length <= 64) revoked.add(sessionId);
  });
}
