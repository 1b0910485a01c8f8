import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  SignJWT,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
  type JSONWebKeySet,
} from 'jose';
import { tokenAlgorithm, tokenAudience, tokenIssuer } from '../../shared/auth/index.js';

/** The file holds `{ keys: [JWK, ...] }` with private parts; the first key signs, all verify. */
interface SigningKeyFile {
  readonly keys: readonly JWK[];
}

export interface IssuedAccessToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/**
 * Only the auth subgraph holds private keys. Keys are Ed25519 (EdDSA) JWKs identified by their
 * RFC 7638 thumbprint (`kid`); to rotate, put a new key first in the file and keep the old one
 * until the last token it signed has expired.
 */
export class AccessTokenSigner {
  private constructor(
    private readonly signingKey: CryptoKey,
    private readonly kid: string,
    readonly publicJwks: JSONWebKeySet,
    private readonly lifetimeSeconds: number,
  ) {}

  /** Loads the key file, creating it with a fresh key (mode 0600) when it does not exist. */
  static async fromFile(file: string, lifetimeSeconds: number): Promise<AccessTokenSigner> {
    const document = await readKeyFile(file);
    const keys = document ? document.keys : [await newPrivateJwk()];
    if (!document) {
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await writeFile(file, JSON.stringify({ keys }, null, 2), { mode: 0o600 });
      await chmod(file, 0o600);
    }
    const [first] = keys;
    if (!first?.kid) throw new Error(`${file}: the first key needs a "kid"`);
    const signingKey = (await importJWK(first, tokenAlgorithm)) as CryptoKey;
    const publicJwks: JSONWebKeySet = {
      keys: keys.map(
        ({ kty, crv, x, kid }) => ({ kty, crv, x, kid, alg: tokenAlgorithm, use: 'sig' }) as JWK,
      ),
    };
    return new AccessTokenSigner(signingKey, first.kid, publicJwks, lifetimeSeconds);
  }

  async issue(
    claims: { userId: string; deviceId: number; sessionId: string },
    now: Date,
  ): Promise<IssuedAccessToken> {
    const issuedAt = Math.floor(now.getTime() / 1000);
    const expiresAtSeconds = issuedAt + this.lifetimeSeconds;
    const token = await new SignJWT({ did: claims.deviceId, sid: claims.sessionId })
      .setProtectedHeader({ alg: tokenAlgorithm, kid: this.kid, typ: 'at+jwt' })
      .setIssuer(tokenIssuer)
      .setAudience(tokenAudience)
      .setSubject(claims.userId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAtSeconds)
      .sign(this.signingKey);
    return { token, expiresAt: new Date(expiresAtSeconds * 1000) };
  }
}

async function readKeyFile(file: string): Promise<SigningKeyFile | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const document = JSON.parse(text) as SigningKeyFile;
  if (!Array.isArray(document.keys) || document.keys.length === 0)
    throw new Error(`${file}: no keys`);
  return document;
}

async function newPrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(tokenAlgorithm, {
    crv: 'Ed25519',
    extractable: true,
  });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: tokenAlgorithm };
}
