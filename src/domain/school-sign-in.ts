import { looksLikeEmail } from './people.js';

/**
 * The rules of school-account sign-in that need no I/O: whose e-mail counts as verified, which domains may
 * sign in, where a finished sign-in may land, and the sentences a refused person reads.
 */

/** Why a school-account sign-in did not sign someone in. Each is audited and shown as a sentence. */
export const SIGN_IN_REFUSALS = {
  not_configured: 'Signing in with a school account is not set up on this Vetted. Sign in with your email and password.',
  domain_not_allowed:
    'That account’s email address is not from a domain this school lets sign in to Vetted. Use your school account, or ask the school’s e-safety lead.',
  email_not_verified:
    'The school’s sign-in service has not confirmed that account’s email address, so Vetted cannot match it to a staff account. Ask the school’s IT support.',
  account_disabled: 'Your Vetted account is disabled. Ask the school’s e-safety lead if you need it again.',
  unknown_account: 'There is no Vetted account for that school account. Ask the school’s e-safety lead to add you.',
  account_linked_elsewhere:
    'That Vetted account is already linked to a different school account. Ask the school’s e-safety lead to check it.',
  provider_refused: 'The school’s sign-in service did not sign you in (it refused, or the sign-in was cancelled). Try again, or ask the school’s IT support.',
  provider_unreachable: 'Vetted could not reach the school’s sign-in service. Try again in a few minutes, or ask the school’s IT support.',
  clock_skew:
    'The sign-in could not be checked because this server’s clock and the sign-in service’s clock disagree. Ask the school’s IT support to check the server’s time.',
  token_rejected:
    'The answer from the school’s sign-in service failed Vetted’s security checks, so you were not signed in. Try again; if it keeps happening, ask the school’s IT support.',
  sign_in_expired: 'That sign-in had expired or was started in another window. Please sign in again.',
  sign_in_busy: 'Too many sign-ins are under way at once. Wait a few minutes and try again, or ask the school’s IT support.',
  sign_in_failed: 'Something went wrong while signing you in. Try again; if it keeps happening, ask the school’s IT support.',
} as const;

export type SignInRefusal = keyof typeof SIGN_IN_REFUSALS;

export function isSignInRefusal(code: string): code is SignInRefusal {
  return Object.prototype.hasOwnProperty.call(SIGN_IN_REFUSALS, code);
}

/** The pages a sign-in may return to: the desk and the admin console, nothing else (no open redirect). */
export const RETURN_PATHS = ['/', '/admin'] as const;

export function safeReturnPath(raw: unknown): string {
  return typeof raw === 'string' && (RETURN_PATHS as readonly string[]).includes(raw) ? raw : '/';
}

export function emailDomain(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 0 ? '' : email.slice(at + 1).trim().toLowerCase();
}

export function domainAllowed(email: string, allowedDomains: readonly string[]): boolean {
  const domain = emailDomain(email);
  return domain !== '' && allowedDomains.includes(domain);
}

/**
 * Whether the provider vouches for the e-mail address. Standard providers (Google) send `email_verified`;
 * Microsoft Entra sends none, but with the optional claim `xms_edov` says the tenant owns the e-mail's domain.
 */
export function emailVerified(claims: Record<string, unknown>): boolean {
  const v = claims.email_verified;
  if (v === true || v === 'true') return true;
  if (v === undefined && (claims.xms_edov === true || claims.xms_edov === 'true' || claims.xms_edov === 1)) return true;
  return false;
}

/** The e-mail claim, if it looks like one. */
export function emailClaim(claims: Record<string, unknown>): string | undefined {
  const email = claims.email;
  return typeof email === 'string' && looksLikeEmail(email.trim()) ? email.trim().toLowerCase() : undefined;
}
