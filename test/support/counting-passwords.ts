import { PasswordChecker, type PasswordVerifier } from '../../subgraphs/auth/passwords.js';

/** The real argon2id verifier, counting how many passwords it checked (for limit tests). */
export class CountingPasswordVerifier implements PasswordVerifier {
  private readonly real = new PasswordChecker();
  checks = 0;

  matches(storedHash: string | null, password: string): Promise<boolean> {
    this.checks++;
    return this.real.matches(storedHash, password);
  }
}

/** POSTs one operation with extra headers (e.g. `x-forwarded-for` straight at a subgraph). */
export async function postWithHeaders(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
): Promise<{ errors?: { extensions?: Record<string, unknown> }[]; data?: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    errors?: { extensions?: Record<string, unknown> }[];
    data?: unknown;
  };
}
