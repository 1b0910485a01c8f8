export { anonymous, requirePrincipal, type Caller, type Principal } from './principal.js';
export {
  createTokenVerifier,
  bearerToken,
  tokenAlgorithm,
  tokenAudience,
  tokenIssuer,
  type AccessTokenClaims,
  type SessionRevocationCheck,
  type TokenVerifier,
} from './tokens.js';
export { callerFromAuthorization } from './caller.js';
export { RevokedSessions } from './revocations.js';
export { followSessionRevocations } from './revocation-feed.js';
