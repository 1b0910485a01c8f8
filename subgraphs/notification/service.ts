import type { Principal } from '../../shared/auth/index.js';
import type { ConnectionEvent } from '../../shared/bus/index.js';
import { parseDeviceGlobalId } from '../../shared/ids/index.js';
import type { ConnectionTracker } from './connections.js';
import type { AttemptResult, PushDispatcher, PushJob } from './dispatcher.js';
import { parsePlatform, parsePushToken } from './push-token.js';
import type { NotificationStore, PushRegistration } from './store.js';

export interface NotificationServiceOptions {
  /** At most one wake-up per device per this window. @default 30_000 */
  readonly collapseMs: number;
}

/**
 * What became of a push event: settled (delivered, or why not), or to be delivered again after
 * `delayMs` (the provider could not take the push now).
 */
export type WakeDecision =
  { readonly kind: 'connected' | 'no-token' | 'collapsed' | 'no-provider' } | AttemptResult;

/** Which delivery of which push event this is (the bus's msgId and delivery count). */
export interface PushDelivery {
  /** Names the event's claim on the collapse window: its redeliveries share it. */
  readonly eventId: string;
  /** 1 for the first delivery. */
  readonly attempt: number;
}

/**
 * Push tokens and wake-ups. A device gets a content-free push when a message waits for it, it
 * has a token, it has no open socket, and no push started for it within the collapse window.
 * A push event is settled (acknowledged on the bus) only once its push was delivered or given
 * up; until then its redeliveries hold its claim on the window (see `claimPush`).
 */
export class NotificationService {
  private readonly options: NotificationServiceOptions;

  constructor(
    private readonly store: NotificationStore,
    private readonly connections: ConnectionTracker,
    private readonly dispatcher: PushDispatcher,
    options: Partial<NotificationServiceOptions> = {},
  ) {
    this.options = { collapseMs: 30_000, ...options };
  }

  /** Sets the token of the caller's own device (PAYLOAD_TOO_LARGE / BAD_USER_INPUT if bad). */
  async registerPushToken(principal: Principal, platform: string, token: string): Promise<boolean> {
    const parsedPlatform = parsePlatform(platform);
    const parsedToken = parsePushToken(parsedPlatform, token);
    await this.store.register(
      {
        userId: principal.userId,
        deviceId: principal.deviceId,
        platform: parsedPlatform,
        token: parsedToken,
      },
      new Date(),
    );
    return true;
  }

  /** Removes the caller's device token; false when it had none. */
  unregisterPushToken(principal: Principal): Promise<boolean> {
    return this.store.removeRegistration(principal.userId, principal.deviceId);
  }

  /** A device's registration, for its own user only; anyone else sees none. */
  async registrationOf(
    viewer: Principal,
    deviceGlobalId: string,
  ): Promise<PushRegistration | null> {
    return (await this.registrationsOf(viewer, [deviceGlobalId]))[0] ?? null;
  }

  /**
   * The registration of each device, in the order asked: the viewer's own devices only (others
   * get none, as in `registrationOf`), one store call for the whole list.
   */
  async registrationsOf(
    viewer: Principal,
    deviceGlobalIds: readonly string[],
  ): Promise<(PushRegistration | null)[]> {
    // Someone else's device (or a malformed id) is asked nothing and shows none.
    const ownDeviceIds = deviceGlobalIds.map((id) => {
      const device = parseDeviceGlobalId(id);
      return device && device.userId === viewer.userId ? device.deviceId : null;
    });
    const asked = ownDeviceIds.filter((deviceId) => deviceId !== null);
    const found = asked.length > 0 ? await this.store.findRegistrations(viewer.userId, asked) : [];
    const byDevice = new Map(found.map((entry) => [entry.deviceId, entry]));
    return ownDeviceIds.map((deviceId) =>
      deviceId === null ? null : (byDevice.get(deviceId) ?? null),
    );
  }

  /** A gateway reported a socket opening (or still open) or closing. */
  connectionChanged(event: ConnectionEvent): void {
    this.connections.apply(event);
  }

  /** Forgets sockets whose gateway went quiet. */
  expireConnections(): void {
    this.connections.sweep();
  }

  /**
   * An envelope waits for the device: wake it if the rules allow, one attempt per delivery of
   * the event. `retry` asks for the event again after its delay; anything else settles it.
   */
  async envelopePending(
    userId: string,
    deviceId: number,
    delivery: PushDelivery,
  ): Promise<WakeDecision> {
    const { eventId, attempt } = delivery;
    if (this.connections.isConnected(userId, deviceId)) {
      // A retry found the device online: its claim, if it holds one, is done with.
      if (attempt > 1) await this.store.settlePush(userId, deviceId, eventId);
      return { kind: 'connected' };
    }
    const registration = await this.store.findRegistration(userId, deviceId);
    if (!registration) return { kind: 'no-token' };
    if (!this.dispatcher.supports(registration.platform)) return { kind: 'no-provider' };
    const claimed = await this.store.claimPush(
      userId,
      deviceId,
      new Date(),
      this.options.collapseMs,
      eventId,
    );
    if (!claimed) return { kind: 'collapsed' };
    const result = await this.dispatcher.attempt(claimed, attempt);
    // Delivered or given up: a redelivery of this event (e.g. its ack lost in a crash) must not
    // push again. A removed token took its claim with it.
    if (result.kind === 'sent' || result.kind === 'given-up') {
      await this.store.settlePush(userId, deviceId, eventId);
    }
    return result;
  }

  /** The device was removed from its account: its token goes. */
  async deviceRemoved(userId: string, deviceId: number): Promise<void> {
    await this.store.removeRegistration(userId, deviceId);
  }

  /** An account was deleted: the tokens of its devices go. Idempotent. */
  async accountDeleted(userId: string, deviceIds: readonly number[]): Promise<void> {
    await this.store.removeUserRegistrations(userId, deviceIds);
  }

  /** The provider rejected the token: remove it, unless the device registered another since. */
  async tokenInvalid(job: PushJob): Promise<void> {
    await this.store.removeToken(job.userId, job.deviceId, job.token);
  }
}
