import { createHash } from 'node:crypto';

/**
 * How a person appears in logs and exports. An erased staff member keeps their place in the audit trail
 * under a stable pseudonym (the same one everywhere, so governors can follow one person's actions) that
 * does not reveal who they were.
 */
/** What the school takes for an e-mail address: something, an @, something, no spaces (the mail server decides the rest). */
export const EMAIL_PATTERN = '^[^\\s@]+@[^\\s@]+$';
export const looksLikeEmail = (text: string): boolean => new RegExp(EMAIL_PATTERN).test(text);

export function formerStaffLabel(userId: string): string {
  return `former staff #${createHash('sha256').update(userId).digest('hex').slice(0, 8)}`;
}

export function staffLabel(user: { id: string; email: string | null; erased_at: Date | null } | undefined, fallbackId?: string | null): string {
  if (!user || user.email === null) return fallbackId ? formerStaffLabel(fallbackId) : 'unknown';
  return user.erased_at ? formerStaffLabel(user.id) : user.email;
}

export function erasedEmail(userId: string): string {
  return `erased-${userId}@invalid`;
}
