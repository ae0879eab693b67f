import { hash, verify } from '@node-rs/argon2';
import { VettedError } from '../domain/errors.js';

// OWASP's argon2id baseline (19 MiB, 2 passes); fast enough for a school's logins on two cores.
const OPTIONS = { algorithm: 2 /* Argon2id (a const enum in the typings) */, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 12;

export function checkPasswordRules(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new VettedError(
      'password_too_short',
      `Passwords must be at least ${MIN_PASSWORD_LENGTH} characters long. A short sentence you can remember works well.`,
      { httpStatus: 400 },
    );
  }
}

export async function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

// A hash to verify against when the email is unknown, so a wrong email and a wrong password take as long.
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword('not-a-real-password-for-timing');
  return dummyHash;
}
