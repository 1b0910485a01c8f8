/**
 * The order of deleteAccount in auth: the announcement to the other subgraphs goes out before
 * auth deletes its own rows, so a bus that refuses it leaves everything in place for a retry
 * (announced after, the others' data would stay behind with no account left to retry from).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { memoryRateLimiters } from '../../shared/rate-limit/index.js';
import {
  createTestDevice,
  toDeviceKeysInput,
  type SignedPreKeyInput,
} from '../../test/support/signal-device.js';
import type { AuthEvents } from './events.js';
import { PasswordChecker } from './passwords.js';
import { AuthService } from './service.js';
import { AccessTokenSigner } from './signing-keys.js';
import { SqliteAuthStore } from './store.sqlite/index.js';

const bytes = (base64: string) => new Uint8Array(Buffer.from(base64, 'base64'));
const signedKey = (key: SignedPreKeyInput) => ({
  keyId: key.keyId,
  publicKey: bytes(key.publicKey),
  signature: bytes(key.signature),
});

let dir = '';
let store: SqliteAuthStore;
let service: AuthService;
const announced: string[] = [];
let busRefuses = false;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'guardyn-auth-deletion-'));
  store = new SqliteAuthStore(path.join(dir, 'auth.sqlite'));
  const events: AuthEvents = {
    sessionsRevoked: async () => undefined,
    deviceRevoked: async () => undefined,
    async accountDeleted(userId) {
      if (busRefuses) throw new Error('the bus refused the publish');
      announced.push(userId);
    },
  };
  const signer = await AccessTokenSigner.fromFile(path.join(dir, 'keys.json'), 900);
  service = new AuthService(store, signer, new PasswordChecker(), events, memoryRateLimiters());
});

afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

it('deletes nothing when the announcement is refused, and deletes on the retry', async () => {
  const password = 'a long enough password';
  const keys = toDeviceKeysInput(await createTestDevice());
  const device = {
    registrationId: keys.registrationId,
    identityKey: bytes(keys.identityKey),
    signedPreKey: signedKey(keys.signedPreKey),
    kyberLastResortPreKey: signedKey(keys.kyberLastResortPreKey),
  };
  const username = `deletion_${randomBytes(4).toString('hex')}`;
  const { user, device: registered } = await service.register(
    { username, password, device },
    '127.0.0.1',
  );
  const principal = {
    userId: user.id,
    deviceId: registered.deviceId,
    sessionId: 'unused',
    expiresAt: new Date(Date.now() + 60_000),
  };

  busRefuses = true;
  await expect(service.deleteAccount(principal, password, '127.0.0.1')).rejects.toThrow(
    'the bus refused the publish',
  );
  expect(await store.findUserById(user.id)).toEqual(user);
  expect(announced).toEqual([]);

  busRefuses = false;
  expect(await service.deleteAccount(principal, password, '127.0.0.1')).toBe(true);
  expect(announced).toEqual([user.id]);
  expect(await store.findUserById(user.id)).toBeNull();
});
