import { UnauthenticatedError } from '../errors/index.js';

/** Who is calling: taken from a verified access token, never from a client argument. */
export interface Principal {
  readonly userId: string;
  readonly deviceId: number;
  readonly sessionId: string;
  /** When the access token stops being valid. */
  readonly expiresAt: Date;
}

/**
 * The caller as a resolver sees it: a principal, nobody, or a token that failed verification
 * (kept so that public operations such as `register` still work with a stale header).
 */
export type Caller =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'authenticated'; readonly principal: Principal }
  | { readonly kind: 'rejected'; readonly error: UnauthenticatedError };

export const anonymous: Caller = { kind: 'anonymous' };

/** The principal, or UNAUTHENTICATED (with the reason the token was refused, if there was one). */
export function requirePrincipal(caller: Caller): Principal {
  switch (caller.kind) {
    case 'authenticated':
      return caller.principal;
    case 'rejected':
      throw caller.error;
    case 'anonymous':
      throw new UnauthenticatedError();
  }
}
