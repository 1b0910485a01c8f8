import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import { UnauthenticatedError } from '../errors/index.js';
import type { Principal } from './principal.js';
import { VerifiedTokens } from './verified-tokens.js';

export const tokenIssuer = 'guardyn';
export const tokenAudience = 'guardyn';
export const tokenAlgorithm = 'EdDSA';

/** The claims of an access token beyond the registered ones: device and session. */
export interface AccessTokenClaims extends JWTPayload {
  readonly did: number;
  readonly sid: string;
}

/** Checks an access token and returns its principal, or throws UnauthenticatedError. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

/** Says whether a session was revoked after its tokens were issued (see RevokedSessions). */
export interface SessionRevocationCheck {
  isRevoked(sessionId: string): boolean | Promise<boolean>;
}

type KeySource = ReturnType<typeof createLocalJWKSet> | ReturnType<typeof createRemoteJWKSet>;

/**
 * Verifies EdDSA access tokens against the auth subgraph's public keys: a local JWKS (embedded
 * mode) or the JWKS URL of the auth subgraph (distributed mode, cached and refreshed on unknown kid).
 */
export function createTokenVerifier(options: {
  keys: JSONWebKeySet | URL;
  revocations?: SessionRevocationCheck;
}): TokenVerifier {
  const keySource: KeySource =
    options.keys instanceof URL
      ? createRemoteJWKSet(options.keys, { cooldownDuration: 5_000, cacheMaxAge: 10 * 60_000 })
      : createLocalJWKSet(options.keys);

  const verified = new VerifiedTokens();
  const checkRevocation = async (principal: Principal) => {
    if (await options.revocations?.isRevoked(principal.sessionId)) {
      throw new UnauthenticatedError('Session revoked');
    }
    return principal;
  };
  return {
    async verify(token) {
      const known = verified.get(token);
      if (known) return checkRevocation(known);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keySource, {
          issuer: tokenIssuer,
          audience: tokenAudience,
          algorithms: [tokenAlgorithm],
        }));
      } catch (error) {
        const expired = error instanceof joseErrors.JWTExpired;
        throw new UnauthenticatedError(expired ? 'Access token expired' : 'Invalid access token', {
          cause: error,
        });
      }
      const principal = toPrincipal(payload);
      verified.remember(token, principal);
      return checkRevocation(principal);
    },
  };
}

function toPrincipal(payload: JWTPayload): Principal {
  const { sub, exp } = payload;
  const did: unknown = payload['did'];
  const sid: unknown = payload['sid'];
  if (
    typeof sub !== 'string' ||
    typeof exp !== 'number' ||
    typeof did !== 'number' ||
    !Number.isInteger(did) ||
    typeof sid !== 'string'
  ) {
    throw new UnauthenticatedError('Invalid access token');
  }
  return { userId: sub, deviceId: did, sessionId: sid, expiresAt: new Date(exp * 1000) };
}

/** The bearer token of an `Authorization` header value, if it has one. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
