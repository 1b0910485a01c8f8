/**
 * `npm run demo`: two people talking through @guardyn/client, with what the server keeps shown
 * beside what each device decrypted. Starts an embedded Guardyn in a temporary folder, or uses a
 * running one: `npm run demo -- --url http://localhost:4000/graphql`.
 *
 * For each message: the text as typed, the envelope the server stored for the recipient's device
 * (read with the `inbox` query before the recipient fetches it), and the text the device
 * decrypted. Then a group of three (MLS) and one attachment.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { print } from 'graphql';
import { GuardynClient, type Message } from '@guardyn/client';
import { startGuardyn } from '../main.js';
import {
  AttachmentDownloadDocument,
  InboxPageDocument,
  type InboxPageQuery,
} from '../schema/generated/operations.js';
import { loadConfig } from '../shared/config/index.js';

const urlFlag = process.argv.indexOf('--url');
const givenUrl = urlFlag >= 0 ? process.argv[urlFlag + 1] : undefined;

const dataDir = givenUrl ? undefined : await mkdtemp(path.join(tmpdir(), 'guardyn-demo-'));
const guardyn = dataDir
  ? await startGuardyn(
      loadConfig({ GUARDYN_DATA_DIR: dataDir, GUARDYN_OBSERVABILITY__LOG_LEVEL: 'silent' }),
      { ephemeralPorts: true },
    )
  : undefined;
const url = givenUrl ?? guardyn?.gateway?.url;
if (!url) throw new Error('no gateway URL');
console.log(`Guardyn at ${url} (${givenUrl ? 'running' : 'embedded, data in ' + dataDir})\n`);

const suffix = randomBytes(3).toString('hex');
const person = (name: string) =>
  GuardynClient.register({ url, username: `${name}_${suffix}`, password: `demo-${suffix}-pw` });
const alice = await person('alice');
const bob = await person('bob');
const carol = await person('carol');
const names = new Map([
  [alice.userId, 'Alice'],
  [bob.userId, 'Bob'],
  [carol.userId, 'Carol'],
]);
for (const client of [alice, bob, carol]) {
  console.log(
    `${names.get(client.userId)} registered: user ${client.userId}, device ${client.deviceId}`,
  );
}

section('One to one (libsignal, PQXDH then Double Ratchet)');
await say(alice, bob, 'Hi Bob! Lunch at noon?');
await say(bob, alice, 'Sure, the usual place.');
await say(alice, bob, 'See you there 🍜');

section('A group of three (MLS, RFC 9420)');
const group = await alice.createGroup([bob.userId, carol.userId]);
console.log(`Alice created group ${group.id} with Bob and Carol (epoch ${await group.epoch()})`);
const groupText = 'Carol, join us for lunch?';
await group.send(groupText);
console.log(`Alice typed:         ${JSON.stringify(groupText)}`);
for (const reader of [bob, carol]) {
  await showStored(reader, 'MLS_APPLICATION', groupText);
  const [message] = await next(reader);
  console.log(`${pad(names.get(reader.userId))} decrypted: ${JSON.stringify(message?.text)}`);
}

section('An attachment (AES-256-GCM, key sent inside the encrypted message)');
const menu = new TextEncoder().encode(
  'MENU: ramen 12, gyoza 6, tea 3. Secret lunch spot: 5th and Main.',
);
const file = await alice.uploadAttachment(menu, { contentType: 'text/plain' });
console.log(`Alice uploaded ${menu.length} bytes as media ${file.id}`);
const stored = await storedMedia(alice, file.id);
console.log(`Server stores:       ${stored.length} bytes ${hex(stored.subarray(0, 24))}…`);
console.log(`  contains the plaintext? ${contains(stored, 'Secret lunch spot') ? 'YES' : 'no'}`);
await alice.send(bob.userId, JSON.stringify(file));
const [pointer] = await next(bob);
const bytes = await bob.downloadAttachment(JSON.parse(pointer?.text ?? '{}'));
console.log(`Bob decrypted:       ${JSON.stringify(new TextDecoder().decode(bytes))}`);

await Promise.all([alice, bob, carol].map((client) => client.close()));
await guardyn?.stop();
if (dataDir) await rm(dataDir, { recursive: true, force: true });

async function say(from: GuardynClient, to: GuardynClient, text: string): Promise<void> {
  console.log(`\n${pad(names.get(from.userId))} typed:   ${JSON.stringify(text)}`);
  await from.send(to.userId, text);
  await showStored(to, undefined, text);
  const [message] = await next(to);
  console.log(`${pad(names.get(to.userId))} decrypted: ${JSON.stringify(message?.text)}`);
}

/** The newest envelope waiting for the device, as the server stores it. */
async function showStored(reader: GuardynClient, type: string | undefined, text: string) {
  const { inbox } = await api<InboxPageQuery>(reader, print(InboxPageDocument), { first: 100 });
  const envelope = inbox.edges.filter((e) => type === undefined || e.type === type).at(-1);
  if (!envelope) return;
  const content = Buffer.from(envelope.content, 'base64');
  console.log(
    `Server stored for ${names.get(reader.userId)}'s device: ${envelope.type}, ${content.length} bytes ${hex(content.subarray(0, 24))}…`,
  );
  // Sealed sender: only the certificate inside the ciphertext names the sender.
  const sender = envelope.sender ? (names.get(envelope.sender.id) ?? envelope.sender.id) : null;
  console.log(`  sender known to the server? ${sender ?? 'no (sealed sender)'}`);
  console.log(`  contains the plaintext? ${contains(content, text) ? 'YES' : 'no'}`);
}

async function storedMedia(client: GuardynClient, id: string): Promise<Uint8Array> {
  const { media } = await api<{ media: { downloadUrl: string } }>(
    client,
    print(AttachmentDownloadDocument),
    { id },
  );
  return new Uint8Array(await (await fetch(media.downloadUrl)).arrayBuffer());
}

/** A query with the device's own token (the demo peeks at what the server holds). */
async function api<T>(client: GuardynClient, query: string, variables: object): Promise<T> {
  const account = JSON.parse((await client.store.get('account', 'device')) ?? '{}') as {
    tokens: { accessToken: string };
  };
  const response = await fetch(url as string, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${account.tokens.accessToken}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T };
  return body.data;
}

async function next(client: GuardynClient): Promise<Message[]> {
  for await (const message of client.messages()) return [message];
  return [];
}

function section(title: string): void {
  console.log(`\n━━ ${title} ━━`);
}

function pad(name: string | undefined): string {
  return (name ?? '?').padEnd(5);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function contains(bytes: Uint8Array, text: string): boolean {
  return Buffer.from(bytes).includes(Buffer.from(text));
}
