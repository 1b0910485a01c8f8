import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';

/**
 * argon2id with OWASP's recommended minimum (Password Storage Cheat Sheet): 19 MiB of memory,
 * 2 iterations, 1 lane. The measured cost on the reference machine is in docs/accounts.md.
 */
export const passwordHashOptions = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, passwordHashOptions);
}

/** Checks a password against a stored hash (`null`: an unknown user, which never matches). */
export interface PasswordVerifier {
  matches(storedHash: string | null, password: string): Promise<boolean>;
}

/**
 * Verifies a password against a stored hash. For an unknown user, pass `null`: the check then
 * runs against a throwaway hash with the same parameters, so both failures take the same time.
 */
export class PasswordChecker implements PasswordVerifier {
  private readonly decoy: Promise<string>;

  constructor() {
    this.decoy = hashPassword(randomBytes(32).toString('base64'));
  }

  async matches(storedHash: string | null, password: string): Promise<boolean> {
    const hash = storedHash ?? (await this.decoy);
    let matches: boolean;
    try {
      matches = await argon2.verify(hash, password);
    } catch {
      matches = false;
    }
    return storedHash !== null && matches;
  }
}
