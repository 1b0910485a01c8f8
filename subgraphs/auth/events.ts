import type { DeviceRecord } from './store.js';

/** What the auth service announces; index.ts publishes these on the bus. */
export interface AuthEvents {
  /** Access tokens of these sessions must stop working everywhere now. */
  sessionsRevoked(userId: string, sessionIds: readonly string[]): Promise<void>;
  /** The device is gone: its mailbox, push token and sockets go too. */
  deviceRevoked(device: DeviceRecord): Promise<void>;
  /** The account is gone from auth: every other subgraph deletes what it holds of the user. */
  accountDeleted(userId: string, deviceIds: readonly number[]): Promise<void>;
}
