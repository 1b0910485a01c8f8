import type { ConnectionEvent } from '../../shared/bus/index.js';

/**
 * Which devices have an open socket at a gateway, from the `guardyn.connection.*.*` events.
 * Gateways repeat `open` as a heartbeat (about every 30 s), so a socket not heard of for `ttlMs`
 * is treated as gone: a gateway that died without saying goodbye does not keep a device silent.
 * Held in memory: after a restart, a device counts as offline until its next heartbeat, which
 * costs at most an unneeded wake-up.
 */
export class ConnectionTracker {
  /** `<userId>:<deviceId>` to connection id to when it was last heard of (ms). */
  private readonly devices = new Map<string, Map<string, number>>();

  constructor(private readonly ttlMs = 90_000) {}

  /** Applies one event, timed by its arrival (gateway clocks may differ from ours). */
  apply(event: ConnectionEvent, now = Date.now()): void {
    const key = deviceKey(event.userId, event.deviceId);
    let sockets = this.devices.get(key);
    if (event.state === 'open') {
      if (!sockets) this.devices.set(key, (sockets = new Map()));
      sockets.set(event.connectionId, now);
      return;
    }
    sockets?.delete(event.connectionId);
    if (sockets?.size === 0) this.devices.delete(key);
  }

  /** Whether the device has a socket heard of within the TTL. */
  isConnected(userId: string, deviceId: number, now = Date.now()): boolean {
    const sockets = this.devices.get(deviceKey(userId, deviceId));
    if (!sockets) return false;
    for (const heardAt of sockets.values()) if (now - heardAt < this.ttlMs) return true;
    return false;
  }

  /** Forgets sockets past the TTL, so memory follows the live sockets. */
  sweep(now = Date.now()): void {
    for (const [key, sockets] of this.devices) {
      for (const [connectionId, heardAt] of sockets) {
        if (now - heardAt >= this.ttlMs) sockets.delete(connectionId);
      }
      if (sockets.size === 0) this.devices.delete(key);
    }
  }

  /** Devices with at least one remembered socket (for tests and metrics). */
  get size(): number {
    return this.devices.size;
  }
}

function deviceKey(userId: string, deviceId: number): string {
  return `${userId}:${deviceId}`;
}
