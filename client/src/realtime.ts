/** Typing indicators and presence: thin wrappers over their subscriptions and `setTyping`. */
import {
  PresenceChangedDocument,
  SetTypingDocument,
  TypingEventsDocument,
} from './generated/operations.js';
import type { Device } from './device.js';
import type { DeviceSocket } from './socket.js';

export interface TypingEvent {
  readonly conversationId: string;
  readonly userId: string;
  readonly typing: boolean;
}

export type PresenceStatus = 'ONLINE' | 'AWAY' | 'OFFLINE';

export interface PresenceEvent {
  readonly userId: string;
  /** null when the user does not show you their presence. */
  readonly status: PresenceStatus | null;
}

/** Errors of a subscription; it stops after one. */
export type SubscriptionErrorHandler = (error: unknown) => void;

export async function setTyping(
  device: Device,
  conversationId: string,
  typing: boolean,
): Promise<void> {
  await device.session.request(SetTypingDocument, { conversationId, typing });
}

export function onTyping(
  socket: DeviceSocket,
  conversationId: string,
  listener: (event: TypingEvent) => void,
  onError: SubscriptionErrorHandler,
): () => void {
  return socket.subscribe(
    TypingEventsDocument,
    { conversationId },
    {
      next: ({ typing }) =>
        listener({
          conversationId: typing.conversationId,
          userId: typing.user.id,
          typing: typing.typing,
        }),
      error: onError,
      complete: () => undefined,
    },
  );
}

export function onPresence(
  socket: DeviceSocket,
  userIds: readonly string[],
  listener: (event: PresenceEvent) => void,
  onError: SubscriptionErrorHandler,
): () => void {
  return socket.subscribe(
    PresenceChangedDocument,
    { userIds: [...userIds] },
    {
      next: ({ presenceChanged }) =>
        listener({ userId: presenceChanged.id, status: presenceChanged.presence?.status ?? null }),
      error: onError,
      complete: () => undefined,
    },
  );
}
