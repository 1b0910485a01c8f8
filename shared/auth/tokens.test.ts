import { describe, expect, it } from '@jest/globals';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { UnauthenticatedError } from '../errors/index.js';
import { tokenAlgorithm, tokenAudience, tokenIssuer, createTokenVerifier } from './tokens.js';
import { VerifiedTokens } from './verified-tokens.js';

async function signer() {
  const { privateKey, publicKey } = await generateKeyPair(tokenAlgorithm, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: tokenAlgorithm };
  const sign = (sessionId: string, expiresInSeconds: number) =>
    new SignJWT({ did: 1, sid: sessionId })
      .setProtectedHeader({ alg: tokenAlgorithm, kid: 'k1' })
      .setSubject('user-1')
      .setIssuer(tokenIssuer)
      .setAudience(tokenAudience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
      .sign(privateKey);
  return { keys: { keys: [jwk] }, sign };
}

describe('createTokenVerifier', () => {
  it('asks about revocation on every call, also for a token it verified before', async () => {
    const { keys, sign } = await signer();
    const revoked = new Set<string>();
    const verifier = createTokenVerifier({
      keys,
      revocations: { isRevoked: (sessionId) => revoked.has(sessionId) },
    });
    const token = await sign('s1', 600);
    expect((await verifier.verify(token)).userId).toBe('user-1');
    expect((await verifier.verify(token)).sessionId).toBe('s1');
    revoked.add('s1');
    await expect(verifier.verify(token)).rejects.toThrow(
      new UnauthenticatedError('Session revoked'),
    );
  });

  it('refuses a tampered or expired token', async () => {
    const { keys, sign } = await signer();
    const verifier = createTokenVerifier({ keys });
    const token = await sign('s1', 600);
    await verifier.verify(token);
    const tampered = `${token.slice(0, -4)}AAAA`;
    await expect(verifier.verify(tampered)).rejects.toThrow('Invalid access token');
    await expect(verifier.verify(await sign('s2', -1))).rejects.toThrow('Access token expired');
  });
});

describe('VerifiedTokens', () => {
  const principal = (expiresAtMs: number) => ({
    userId: 'u',
    deviceId: 1,
    sessionId: 's',
    expiresAt: new Date(expiresAtMs),
  });

  it('serves an entry until its token expires (whole seconds, as jose) or it is too old', () => {
    const cache = new VerifiedTokens(10, 60_000);
    cache.set('a', principal(100_000), 50_000);
    expect(cache.get('a', 99_999)).toBeDefined();
    expect(cache.get('a', 100_000)).toBeUndefined();
    cache.set('b', principal(1_000_000), 0);
    expect(cache.get('b', 59_999)).toBeDefined();
    expect(cache.get('b', 60_000)).toBeUndefined();
  });

  it('holds at most its bound, dropping the oldest entry', () => {
    const cache = new VerifiedTokens(2, 60_000);
    cache.set('a', principal(1_000_000), 0);
    cache.set('b', principal(1_000_000), 0);
    cache.set('c', principal(1_000_000), 0);
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('b', 1)).toBeDefined();
    expect(cache.get('c', 1)).toBeDefined();
  });
});
