import { randomUUID } from 'node:crypto';
import type { Principal } from '../../shared/auth/index.js';
import {
  accountDeletedEvent,
  connectionEvent,
  deviceRevokedEvent,
  onEvent,
  publishEvent,
  sessionRevokedEvent,
  type BusSubscription,
  type ConnectionEvent,
  type EventBus,
} from '../../shared/bus/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { CloseCode } from './close-codes.js';
import { TimerWheel } from './timer-wheel.js';

/** What a connection registry needs of a socket: a way to close it. */
export interface ClosableSocket {
  close(code: number, reason: string): void;
}

export interface ConnectionRecord {
  readonly connectionId: string;
  readonly principal: Principal;
  readonly socket: ClosableSocket;
}

export interface ConnectionRegistryOptions {
  /** Most open sockets per device on this gateway. */
  readonly maxConnectionsPerDevice: number;
  /** How often `open` is repeated so presence knows the socket lives. */
  readonly heartbeatMs: number;
}

const deviceKey = (principal: Principal) => `${principal.userId} ${principal.deviceId}`;

/**
 * The authenticated sockets of this gateway: it announces them on
 * `guardyn.connection.<userId>.<deviceId>` (open, heartbeats, closed), closes them when their
 * token expires, their session or device is revoked or their account deleted, and bounds them
 * per device.
 */
export class ConnectionRegistry {
  private readonly connections = new Map<
    string,
    ConnectionRecord & { expiry: NodeJS.Timeout; stopHeartbeat: () => void }
  >();
  /** Open sockets by device (`userId deviceId`): a count, not a scan of every connection. */
  private readonly perDevice = new Map<string, number>();
  /**
   * Each socket's heartbeat on one wheel: spread over the interval as the sockets opened, not
   * 10,000 announcements (and presence writes) in one burst every interval.
   */
  private readonly heartbeats: TimerWheel;
  private readonly revocations: BusSubscription[];

  constructor(
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly options: ConnectionRegistryOptions,
  ) {
    this.heartbeats = new TimerWheel(options.heartbeatMs, (error) =>
      logger.warn({ err: error }, 'connection heartbeat failed'),
    );
    this.revocations = [
      onEvent(bus, sessionRevokedEvent, ({ sessionId }) => {
        this.closeWhere(
          (c) => c.principal.sessionId === sessionId,
          CloseCode.Unauthorized,
          'Session revoked',
        );
      }),
      onEvent(bus, deviceRevokedEvent, ({ userId, deviceId }) => {
        this.closeWhere(
          (c) => c.principal.userId === userId && c.principal.deviceId === deviceId,
          CloseCode.DeviceRevoked,
          'Device removed',
        );
      }),
      // Its sessions' revocations close these already; this catches any a core event missed.
      onEvent(bus, accountDeletedEvent, ({ userId }) => {
        this.closeWhere(
          (c) => c.principal.userId === userId,
          CloseCode.Unauthorized,
          'Account deleted',
        );
      }),
    ];
  }

  /** Registers a socket, or returns the close code that refuses it. */
  open(
    principal: Principal,
    socket: ClosableSocket,
  ): { connectionId: string } | { refused: number; reason: string } {
    const device = deviceKey(principal);
    const sameDevice = this.perDevice.get(device) ?? 0;
    if (sameDevice >= this.options.maxConnectionsPerDevice) {
      return {
        refused: CloseCode.TooManyConnections,
        reason: 'Too many connections for this device',
      };
    }
    const connectionId = randomUUID();
    // A socket lives no longer than its token.
    const expiry = setTimeout(
      () => socket.close(CloseCode.Unauthorized, 'Token expired'),
      Math.max(0, principal.expiresAt.getTime() - Date.now()),
    );
    expiry.unref();
    const record = {
      connectionId,
      principal,
      socket,
      expiry,
      stopHeartbeat: (): void => undefined,
    };
    record.stopHeartbeat = this.heartbeats.every(() => this.announce(record, 'open'));
    this.connections.set(connectionId, record);
    this.perDevice.set(device, sameDevice + 1);
    this.announce(record, 'open');
    return { connectionId };
  }

  close(connectionId: string): void {
    const record = this.connections.get(connectionId);
    if (!record) return;
    clearTimeout(record.expiry);
    record.stopHeartbeat();
    this.connections.delete(connectionId);
    const device = deviceKey(record.principal);
    const left = (this.perDevice.get(device) ?? 1) - 1;
    if (left > 0) this.perDevice.set(device, left);
    else this.perDevice.delete(device);
    this.announce(record, 'closed');
  }

  /** Closes every socket (shutdown). */
  closeAll(code: number, reason: string): void {
    this.closeWhere(() => true, code, reason);
  }

  get size(): number {
    return this.connections.size;
  }

  dispose(): void {
    this.heartbeats.dispose();
    for (const subscription of this.revocations) subscription.unsubscribe();
  }

  private closeWhere(
    match: (record: ConnectionRecord) => boolean,
    code: number,
    reason: string,
  ): void {
    for (const record of [...this.connections.values()])
      if (match(record)) record.socket.close(code, reason);
  }

  private announce(record: ConnectionRecord, state: ConnectionEvent['state']): void {
    const { userId, deviceId } = record.principal;
    const event: ConnectionEvent = {
      userId,
      deviceId,
      connectionId: record.connectionId,
      state,
      at: new Date().toISOString(),
    };
    publishEvent(this.bus, connectionEvent, event).catch((error: unknown) =>
      this.logger.warn({ err: error }, 'connection event not published'),
    );
  }
}
