/**
 * The embedded supergraph of the presence-privacy tests, on SQLite messaging and presence stores
 * that count their calls, and what the tests ask of it (presence seen, sealed sends, devices).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from '@jest/globals';
import { SqliteMessagingStore } from '../../subgraphs/messaging/store.sqlite/index.js';
import { SqlitePresenceStore } from '../../subgraphs/presence/store.sqlite.js';
import { type TestAccount } from './accounts.js';
import { countingStore, type CountingStore } from './counting-store.js';
import { expectData } from './graphql-client.js';
import { SendSealedMessageDocument } from '../../schema/generated/operations.js';
import { recipientDevices } from './messaging-client.js';
import { setAccess } from './sealed-sender-client.js';
import { toBase64 } from './signal-device.js';
import { manyRegistrations, startTestGuardyn, type TestGuardyn } from './test-guardyn.js';

/** What a presence-privacy test file runs against; set by usePresencePrivacyGuardyn's beforeAll. */
export class PresencePrivacyWorld {
  guardyn!: TestGuardyn;
  url = '';
  storeDir = '';
  messagingStore!: CountingStore<SqliteMessagingStore>;
  presenceStore!: CountingStore<SqlitePresenceStore>;
}

const world = new PresencePrivacyWorld();

/** Starts the supergraph of the calling test file (before its tests) and removes it after them. */
export function usePresencePrivacyGuardyn(): PresencePrivacyWorld {
  beforeAll(async () => {
    world.storeDir = await mkdtemp(path.join(tmpdir(), 'guardyn-presence-privacy-'));
    world.messagingStore = countingStore(
      new SqliteMessagingStore(path.join(world.storeDir, 'messaging.sqlite')),
    );
    world.presenceStore = countingStore(
      new SqlitePresenceStore(path.join(world.storeDir, 'presence.sqlite')),
    );
    world.guardyn = await startTestGuardyn({
      auth: manyRegistrations,
      stores: { messaging: world.messagingStore.store, presence: world.presenceStore.store },
    });
    world.url = world.guardyn.url;
  });
  afterAll(async () => {
    await world.guardyn.dispose();
    await rm(world.storeDir, { recursive: true, force: true });
  });
  return world;
}

export interface SeenPresence {
  status: string;
  lastSeenAt: string | null;
}

/** What `viewer` is told of `target`'s presence (null: nothing). */
export async function presenceSeenBy(viewer: TestAccount, target: TestAccount) {
  const { user } = await expectData<{ user: { presence: SeenPresence | null } }>(
    world.url,
    'query ($id: ID!) { user(id: $id) { presence { status lastSeenAt } } }',
    { id: target.userId },
    viewer.accessToken,
  );
  return user.presence;
}

export const online = async (account: TestAccount) =>
  expectData(
    world.url,
    'mutation { setPresence(status: AWAY) { status } }',
    {},
    account.accessToken,
  );

export function devicesOf(viewer: TestAccount, target: TestAccount) {
  return recipientDevices(world.url, viewer, target.userId);
}

/**
 * One junk sealed envelope for every device of `to`, sent as sealed sends are: without a token
 * (`to` first lets anyone send sealed to them, so no access key is needed).
 */
export async function sendSealedJunk(from: TestAccount, to: TestAccount, content: Uint8Array) {
  const devices = await devicesOf(from, to);
  await setAccess(world.url, to, null, true);
  return expectData(world.url, SendSealedMessageDocument, {
    input: {
      recipientId: to.userId,
      clientMessageId: `sealed-${randomBytes(4).toString('hex')}`,
      envelopes: devices.map((device) => ({ ...device, content: toBase64(content) })),
    },
  });
}

export const conversationsOf = async (account: TestAccount) =>
  (
    await expectData<{ conversations: { id: string }[] }>(
      world.url,
      '{ conversations { id } }',
      {},
      account.accessToken,
    )
  ).conversations;
