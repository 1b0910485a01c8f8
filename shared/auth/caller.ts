import { UnauthenticatedError } from '../errors/index.js';
import { anonymous, type Caller } from './principal.js';
import { bearerToken, type TokenVerifier } from './tokens.js';

/** Resolves the caller of a request from its (forwarded) `Authorization` header. */
export async function callerFromAuthorization(
  verifier: TokenVerifier,
  authorization: string | undefined,
): Promise<Caller> {
  if (authorization === undefined || authorization === '') return anonymous;
  const token = bearerToken(authorization);
  if (token === undefined) {
    return { kind: 'rejected', error: new UnauthenticatedError('Expected "Bearer <token>"') };
  }
  try {
    return { kind: 'authenticated', principal: await verifier.verify(token) };
  } catch (error) {
    if (error instanceof UnauthenticatedError) return { kind: 'rejected', error };
    throw error;
  }
}
