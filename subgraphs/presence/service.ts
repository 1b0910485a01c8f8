import type { Principal } from '../../shared/auth/index.js';
import type { ConnectionEvent, TypingEvent } from '../../shared/bus/index.js';
import { ExpiringSet } from '../../shared/collections/index.js';
import { ForbiddenError } from '../../shared/errors/index.js';
import type { PresenceEvents } from './events.js';
import type { ConversationPeers } from '../../shared/federation/index.js';
import {
  defaultPresenceVisibility,
  type PresenceRecord,
  type PresenceSnapshot,
  type PresenceStatus,
  type PresenceStore,
  type PresenceVisibility,
} from './store.js';

export interface PresenceView {
  readonly status: PresenceStatus;
  readonly lastSeenAt: Date | null;
}

export interface PresenceServiceOptions {
  /** A connection or a setPresence not renewed for this long no longer counts. @default 90 s */
  readonly livenessMs: number;
  /** A typing indicator not renewed for this long ends by itself. @default 5 s */
  readonly typingMs: number;
}

/** A socket lives no longer than its access token (15 minutes): a deleted user's last one too. */
const deletedUserMemoryMs = 16 * 60_000;

export const defaultPresenceOptions: PresenceServiceOptions = {
  livenessMs: 90_000,
  typingMs: 5_000,
};

/**
 * Online status, last seen and typing. A user is ONLINE (or AWAY, if they chose it) while a
 * device has a live socket or they called setPresence recently; else OFFLINE since their last
 * sign of life. Stale states expire by TTL, so a gateway that dies without saying goodbye
 * cannot leave anyone online for ever.
 */
export class PresenceService {
  private readonly options: PresenceServiceOptions;
  /** This replica's pending typing expiries, with the time of the event that armed each. */
  private readonly typingTimers = new Map<
    string,
    { readonly timer: NodeJS.Timeout; readonly armedAt: number }
  >();
  /**
   * Users whose accounts were deleted recently: their connection events that arrive after the
   * deletion would write their presence again, so they are dropped.
   */
  private readonly deletedUsers: ExpiringSet;

  constructor(
    private readonly store: PresenceStore,
    private readonly peers: ConversationPeers,
    private readonly events: PresenceEvents,
    options: Partial<PresenceServiceOptions> = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.options = { ...defaultPresenceOptions, ...options };
    this.deletedUsers = new ExpiringSet(deletedUserMemoryMs, () => this.now().getTime());
  }

  /**
   * The presence of each of `userIds` as `viewer` may see it, in order: their own always; another
   * user's when that user's visibility is CONTACTS and messaging says they revealed it to the
   * viewer (they spoke to them); else null. One store read and at most one messaging request,
   * however many users.
   */
  async presenceForMany(
    viewer: Principal,
    authorization: string | undefined,
    userIds: readonly string[],
  ): Promise<(PresenceView | null)[]> {
    const snapshots = await this.store.readPresenceBatch(userIds, this.liveSince());
    const askable = new Set(
      [...snapshots]
        .filter(
          ([userId, snapshot]) => userId !== viewer.userId && snapshot.visibility !== 'NOBODY',
        )
        .map(([userId]) => userId),
    );
    const revealed =
      askable.size > 0 ? await this.peers.visibleUsers([...askable], authorization) : new Set();
    return userIds.map((userId) => {
      const snapshot = snapshots.get(userId);
      if (!snapshot) return null;
      if (userId !== viewer.userId && !(askable.has(userId) && revealed.has(userId))) return null;
      return this.view(snapshot);
    });
  }

  /** The presence of `userId` as `viewer` may see it (see presenceForMany). */
  async presenceFor(
    viewer: Principal,
    authorization: string | undefined,
    userId: string,
  ): Promise<PresenceView | null> {
    const [view] = await this.presenceForMany(viewer, authorization, [userId]);
    return view ?? null;
  }

  /** Who may see the caller's presence and last seen. */
  async visibility(principal: Principal): Promise<PresenceVisibility> {
    const snapshots = await this.store.readPresenceBatch([principal.userId], this.liveSince());
    return snapshots.get(principal.userId)?.visibility ?? defaultPresenceVisibility;
  }

  async setVisibility(
    principal: Principal,
    visibility: PresenceVisibility,
  ): Promise<PresenceVisibility> {
    await this.store.saveVisibility(principal.userId, visibility);
    return visibility;
  }

  async presenceOf(userId: string): Promise<PresenceView> {
    const record = await this.store.findPresence(userId);
    return {
      status: await this.effectiveStatus(userId, record),
      lastSeenAt: record?.lastActiveAt ?? null,
    };
  }

  async setPresence(principal: Principal, status: PresenceStatus): Promise<PresenceView> {
    const record = await this.store.findPresence(principal.userId);
    const now = this.now();
    await this.store.savePresence({
      userId: principal.userId,
      chosen: status,
      chosenAt: now,
      lastActiveAt: now,
      announced: record?.announced ?? 'OFFLINE',
    });
    return this.announce(principal.userId);
  }

  /** Applies a gateway's connection event (open doubles as heartbeat). */
  async connectionChanged(event: ConnectionEvent): Promise<void> {
    // A deleted user's sockets close after the deletion: their events must not write it back.
    if (this.deletedUsers.has(event.userId)) return;
    const at = new Date(Math.min(Date.parse(event.at), this.now().getTime()));
    if (event.state === 'open') {
      await this.store.touchConnection({ ...event, lastHeartbeatAt: at });
    } else {
      await this.store.removeConnection(event.connectionId);
    }
    const record = await this.store.findPresence(event.userId);
    const since = new Date(this.now().getTime() - this.options.livenessMs);
    // When the last socket closes the user has left: an earlier setPresence no longer keeps them present.
    const left =
      event.state === 'closed' && !(await this.store.hasLiveConnection(event.userId, since));
    await this.store.savePresence({
      userId: event.userId,
      chosen: record?.chosen ?? 'ONLINE',
      chosenAt: left ? null : (record?.chosenAt ?? null),
      lastActiveAt: at,
      announced: record?.announced ?? 'OFFLINE',
    });
    await this.announce(event.userId);
  }

  /**
   * Remembers that the account is gone, so that this replica drops its late connection events
   * (every replica hears the deletion; see `accountDeleted`).
   */
  forgetUser(userId: string): void {
    this.deletedUsers.add(userId);
  }

  /** An account was deleted: its status, last seen, visibility and connections go. Idempotent. */
  async accountDeleted(userId: string): Promise<void> {
    this.forgetUser(userId);
    await this.store.deleteUser(userId);
  }

  /** Drops connections and choices past their TTL and announces who went offline. */
  async expireStale(): Promise<void> {
    const cutoff = new Date(this.now().getTime() - this.options.livenessMs);
    const users = new Set(await this.store.expireConnections(cutoff));
    for (const record of await this.store.listAnnouncedPresent()) users.add(record.userId);
    for (const userId of users) await this.announce(userId);
  }

  async setTyping(
    principal: Principal,
    authorization: string | undefined,
    conversationId: string,
    typing: boolean,
  ): Promise<boolean> {
    if (!(await this.peers.isMember(conversationId, authorization))) {
      throw new ForbiddenError('Only members may type in a conversation');
    }
    const key = typingKey(conversationId, principal.userId);
    clearTimeout(this.typingTimers.get(key)?.timer);
    this.typingTimers.delete(key);
    const at = this.now();
    if (typing) {
      // Without a renewal, the indicator ends by itself.
      const timer = setTimeout(() => {
        this.typingTimers.delete(key);
        void this.events
          .typing(conversationId, principal.userId, false, this.now())
          .catch(() => undefined);
      }, this.options.typingMs);
      timer.unref();
      this.typingTimers.set(key, { timer, armedAt: at.getTime() });
    }
    await this.events.typing(conversationId, principal.userId, typing, at);
    return true;
  }

  /**
   * A typing event from any replica (this one included). A later one for the same user and
   * conversation (a renewal or a stop that another replica took) makes this replica's expiry
   * moot: it is cancelled, so the indicator neither ends early nor ends twice. The replica that
   * handled the latest event keeps the only timer.
   */
  typingSeen(event: TypingEvent): void {
    const key = typingKey(event.conversationId, event.userId);
    const pending = this.typingTimers.get(key);
    if (pending && Date.parse(event.at) > pending.armedAt) {
      clearTimeout(pending.timer);
      this.typingTimers.delete(key);
    }
  }

  /** Ends pending typing timers (shutdown). */
  stop(): void {
    for (const { timer } of this.typingTimers.values()) clearTimeout(timer);
    this.typingTimers.clear();
  }

  private async effectiveStatus(
    userId: string,
    record: PresenceRecord | null,
  ): Promise<PresenceStatus> {
    const connected = await this.store.hasLiveConnection(userId, this.liveSince());
    return this.statusOf({ record, connected });
  }

  private statusOf(snapshot: Pick<PresenceSnapshot, 'record' | 'connected'>): PresenceStatus {
    const { record } = snapshot;
    const chosenRecently = record?.chosenAt != null && record.chosenAt > this.liveSince();
    return snapshot.connected || chosenRecently ? (record?.chosen ?? 'ONLINE') : 'OFFLINE';
  }

  private view(snapshot: PresenceSnapshot): PresenceView {
    return { status: this.statusOf(snapshot), lastSeenAt: snapshot.record?.lastActiveAt ?? null };
  }

  /** Connections and choices renewed after this still count. */
  private liveSince(): Date {
    return new Date(this.now().getTime() - this.options.livenessMs);
  }

  /** Recomputes the user's status and publishes it when it differs from the last announcement. */
  private async announce(userId: string): Promise<PresenceView> {
    const record = await this.store.findPresence(userId);
    const status = await this.effectiveStatus(userId, record);
    if (record && record.announced !== status) {
      await this.store.savePresence({ ...record, announced: status });
      await this.events.presenceChanged(userId, status);
    }
    return { status, lastSeenAt: record?.lastActiveAt ?? null };
  }
}

function typingKey(conversationId: string, userId: string): string {
  return `${conversationId}|${userId}`;
}
