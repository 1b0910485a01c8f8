/** The notification subgraph's storage port: one push token per device. */

export const pushPlatforms = ['FCM', 'APNS'] as const;
export type PushPlatform = (typeof pushPlatforms)[number];

/** A device's push token. */
export interface PushRegistration {
  readonly userId: string;
  readonly deviceId: number;
  readonly platform: PushPlatform;
  readonly token: string;
  /** When this token was registered (kept when the same token is registered again). */
  readonly createdAt: Date;
  /** When a push to this device was last started; null before the first. */
  readonly lastPushAt: Date | null;
}

export interface NotificationStore {
  /**
   * Sets the device's token, replacing any other. A token names one app install, so the same
   * token is removed from any other device first. Registering the same token again keeps its
   * `createdAt` and `lastPushAt`. Returns the stored registration.
   */
  register(
    registration: Omit<PushRegistration, 'lastPushAt' | 'createdAt'>,
    now: Date,
  ): Promise<PushRegistration>;
  findRegistration(userId: string, deviceId: number): Promise<PushRegistration | null>;
  /** The registrations of those of the user's `deviceIds` that have one: one call for a list. */
  findRegistrations(userId: string, deviceIds: readonly number[]): Promise<PushRegistration[]>;
  /** Removes the device's token; true when there was one. */
  removeRegistration(userId: string, deviceId: number): Promise<boolean>;
  /**
   * Removes the tokens of a deleted account (at least those of `deviceIds`); returns how many
   * there were.
   */
  removeUserRegistrations(userId: string, deviceIds: readonly number[]): Promise<number>;
  /**
   * Removes the device's token only if it is still `token` (a provider called it invalid; the
   * device may have registered a new one meanwhile). True when removed.
   */
  removeToken(userId: string, deviceId: number, token: string): Promise<boolean>;
  /**
   * The collapse rule, atomically: if the device has a token and no push started after
   * `now - windowMs`, records `now` as its last push, held by `claimId` (the event's id), and
   * returns the registration. While that claim is held (not settled), the same `claimId` gets the
   * registration again unchanged: a redelivered event whose push never went out (a crash, a
   * provider asking to retry) may still send it. Otherwise null.
   */
  claimPush(
    userId: string,
    deviceId: number,
    now: Date,
    windowMs: number,
    claimId: string,
  ): Promise<PushRegistration | null>;
  /**
   * The push of `claimId` was delivered or given up: a later delivery of the same event is
   * collapsed like any other within the window. False when the claim is not held (settled
   * already, or the token changed since).
   */
  settlePush(userId: string, deviceId: number, claimId: string): Promise<boolean>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
