import { readFile } from 'node:fs/promises';
import type { Credential, GoogleOAuthAccessToken } from 'firebase-admin/app';
import { importPKCS8, SignJWT } from 'jose';

/** The fields of a Google service-account key file that FCM needs. */
export interface ServiceAccount {
  readonly projectId: string;
  readonly clientEmail: string;
  readonly privateKey: string;
  readonly privateKeyId: string | undefined;
  /** Where access tokens are minted; Google's unless the file says otherwise. */
  readonly tokenUri: string;
}

/** OAuth scope of the FCM HTTP v1 API. */
const messagingScope = 'https://www.googleapis.com/auth/firebase.messaging';
const defaultTokenUri = 'https://oauth2.googleapis.com/token';

/** Reads and checks a service-account JSON file; the error names the file and the field. */
export async function loadServiceAccount(file: string): Promise<ServiceAccount> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new Error(`${file}: not a readable service-account JSON file`, { cause });
  }
  const text = (field: string): string => {
    const value = json[field];
    if (typeof value !== 'string' || value === '')
      throw new Error(`${file}: "${field}" is missing`);
    return value;
  };
  const tokenUri = typeof json['token_uri'] === 'string' ? json['token_uri'] : defaultTokenUri;
  if (!/^https?:\/\//.test(tokenUri)) throw new Error(`${file}: "token_uri" is not an http(s) URL`);
  return {
    projectId: text('project_id'),
    clientEmail: text('client_email'),
    privateKey: text('private_key'),
    privateKeyId: typeof json['private_key_id'] === 'string' ? json['private_key_id'] : undefined,
    tokenUri,
  };
}

/**
 * A firebase-admin Credential that mints access tokens for a service account with the OAuth 2.0
 * JWT bearer grant (RFC 7523) at the key file's own `token_uri`. firebase-admin's built-in one
 * (google-auth-library) always calls Google's token endpoint, which a test cannot replace; the
 * exchange itself is the same. firebase-admin caches the token until shortly before it expires.
 */
export class ServiceAccountCredential implements Credential {
  constructor(
    private readonly account: ServiceAccount,
    private readonly timeoutMs = 10_000,
  ) {}

  async getAccessToken(): Promise<GoogleOAuthAccessToken> {
    const { account } = this;
    const key = await importPKCS8(account.privateKey, 'RS256');
    const assertion = await new SignJWT({ scope: messagingScope })
      .setProtectedHeader({
        alg: 'RS256',
        typ: 'JWT',
        ...(account.privateKeyId ? { kid: account.privateKeyId } : {}),
      })
      .setIssuer(account.clientEmail)
      .setSubject(account.clientEmail)
      .setAudience(account.tokenUri)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    const response = await fetch(account.tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion,
      }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: unknown;
      expires_in?: unknown;
    };
    if (!response.ok || typeof body.access_token !== 'string') {
      throw new Error(`the token endpoint answered ${response.status}`);
    }
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    return { access_token: body.access_token, expires_in: expiresIn };
  }
}
