/**
 * People of an end-to-end test, each a `GuardynClient` (@guardyn/client) on a real Guardyn,
 * and a way to read a known number of their messages.
 */
import { randomBytes } from 'node:crypto';
import { GuardynClient, type Message } from '@guardyn/client';

/** Registers a new account whose first device is an SDK client. */
export function registerPerson(
  url: string,
  name = 'user',
): Promise<GuardynClient & { readonly credentials: { username: string; password: string } }> {
  const credentials = {
    username: `${name}_${randomBytes(5).toString('hex')}`,
    password: `pw-${randomBytes(8).toString('hex')}`,
  };
  return GuardynClient.register({ url, ...credentials }).then((client) =>
    Object.assign(client, { credentials }),
  );
}

/** The next `count` messages of a client (each acknowledged once the next is asked for). */
export async function nextMessages(client: GuardynClient, count: number): Promise<Message[]> {
  const messages: Message[] = [];
  if (count === 0) return messages;
  for await (const message of client.messages()) {
    messages.push(message);
    if (messages.length === count) break;
  }
  return messages;
}

/** The access token a client keeps in its store, to call the API beside it in a test. */
export async function accessTokenOf(client: GuardynClient): Promise<string> {
  const account = JSON.parse((await client.store.get('account', 'device')) ?? '{}') as {
    tokens?: { accessToken?: string };
  };
  if (!account.tokens?.accessToken) throw new Error('the store holds no device');
  return account.tokens.accessToken;
}
