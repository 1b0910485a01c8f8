import { print } from 'graphql';
import { RegisterDocument } from '../../../schema/generated/operations.js';
import { uniqueUsername } from '../../support/accounts.js';
import { createTestDevice, toDeviceKeysInput } from '../../support/signal-device.js';

/** A benchmark user: the tokens only. */
interface Session {
  accessToken: string;
  refreshToken: string;
}

/** Auth lets one address register 30 accounts an hour; stay under it. */
const registrationsPerAddress = 25;
/** Access tokens live 15 minutes; renew them well before. */
const renewAfterMs = 10 * 60_000;

interface AuthPayloadResponse {
  data?: { [field: string]: { accessToken: string; refreshToken: string } } | null;
  errors?: unknown[];
}

/**
 * Posts a public auth mutation to the embedded gateway as if from `clientAddress`: embedded
 * mode trusts loopback, so the gateway believes the X-Forwarded-For of a loopback peer.
 */
async function authMutation(
  setupUrl: string,
  field: 'register' | 'refreshSession',
  query: string,
  variables: Record<string, unknown>,
  clientAddress: string,
): Promise<Session> {
  const response = await fetch(setupUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': clientAddress },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as AuthPayloadResponse;
  const payload = body.data?.[field];
  if (!payload) throw new Error(`${field} failed: ${JSON.stringify(body.errors ?? body)}`);
  return { accessToken: payload.accessToken, refreshToken: payload.refreshToken };
}

const refreshQuery =
  'mutation ($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }';

/** Registered users whose access tokens are renewed before they expire. */
export class BenchUsers {
  private renewedAt = Date.now();

  private constructor(
    private readonly setupUrl: string,
    private readonly sessions: Session[],
  ) {}

  /** Registers `count` users (a libsignal device each) through the embedded gateway at `setupUrl`. */
  static async register(setupUrl: string, count: number): Promise<BenchUsers> {
    const sessions: Session[] = [];
    for (let index = 0; index < count; index++) {
      const device = await createTestDevice({ preKeys: 1, kyberPreKeys: 1 });
      const input = {
        username: uniqueUsername('bench'),
        password: `bench-password-${index}-${uniqueUsername()}`,
        device: toDeviceKeysInput(device),
      };
      sessions.push(
        await authMutation(
          setupUrl,
          'register',
          print(RegisterDocument),
          { input },
          addressFor(index),
        ),
      );
    }
    return new BenchUsers(setupUrl, sessions);
  }

  get count(): number {
    return this.sessions.length;
  }

  /** The current access tokens, one per user. */
  tokens(): string[] {
    return this.sessions.map((session) => session.accessToken);
  }

  /** Renews every session (refreshSession) once the tokens are older than ten minutes. */
  async renewIfOld(): Promise<void> {
    if (Date.now() - this.renewedAt < renewAfterMs) return;
    for (const [index, session] of this.sessions.entries()) {
      this.sessions[index] = await authMutation(
        this.setupUrl,
        'refreshSession',
        refreshQuery,
        { t: session.refreshToken },
        addressFor(index),
      );
    }
    this.renewedAt = Date.now();
  }
}

/** A documentation address (TEST-NET-2) per group of users, so no address exceeds its quota. */
function addressFor(index: number): string {
  return `198.51.100.${1 + Math.floor(index / registrationsPerAddress)}`;
}
