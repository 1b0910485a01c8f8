/**
 * What a device knows per user, in the store's `contacts` section: the user's sealed-sender access
 * key (learned from the frames of their messages; this account's own key under its own user id)
 * and the direct conversation with them (from the server's envelopes or `conversations`).
 */
import { ConversationsDocument } from './generated/operations.js';
import type { Device } from './device.js';
import { fromBase64, toBase64 } from './encoding.js';

interface ContactRecord {
  /** Base64 of the 16-byte access key. */
  readonly accessKey?: string;
  readonly conversationId?: string;
}

async function load(device: Device, userId: string): Promise<ContactRecord> {
  const saved = await device.store.get('contacts', userId);
  return saved === undefined ? {} : (JSON.parse(saved) as ContactRecord);
}

async function save(device: Device, userId: string, record: ContactRecord): Promise<void> {
  await device.store.set('contacts', userId, JSON.stringify(record));
}

export async function accessKeyOf(device: Device, userId: string): Promise<Uint8Array | null> {
  const { accessKey } = await load(device, userId);
  return accessKey === undefined ? null : fromBase64(accessKey);
}

export async function rememberAccessKey(
  device: Device,
  userId: string,
  accessKey: Uint8Array,
): Promise<void> {
  const record = await load(device, userId);
  const encoded = toBase64(accessKey);
  if (record.accessKey !== encoded) await save(device, userId, { ...record, accessKey: encoded });
}

/** Drops a key the server refused (changed or revoked): sends go unsealed until a new one comes. */
export async function forgetAccessKey(device: Device, userId: string): Promise<void> {
  const { accessKey: _dropped, ...rest } = await load(device, userId);
  await save(device, userId, rest);
}

export async function cachedConversation(device: Device, userId: string): Promise<string | null> {
  return (await load(device, userId)).conversationId ?? null;
}

export async function rememberConversation(
  device: Device,
  userId: string,
  conversationId: string,
): Promise<void> {
  const record = await load(device, userId);
  if (record.conversationId !== conversationId) {
    await save(device, userId, { ...record, conversationId });
  }
}

/** The direct conversation with `userId`: cached, else looked up in `conversations` (and cached). */
export async function directConversation(device: Device, userId: string): Promise<string | null> {
  const cached = await cachedConversation(device, userId);
  if (cached !== null) return cached;
  const { conversations } = await device.session.request(ConversationsDocument, {});
  const own = device.account.userId;
  const direct = conversations.find(
    (c) =>
      c.kind === 'DIRECT' &&
      c.members.length === 2 &&
      c.members.some((m) => m.id === own) &&
      c.members.some((m) => m.id === userId),
  );
  if (direct === undefined) return null;
  await rememberConversation(device, userId, direct.id);
  return direct.id;
}
