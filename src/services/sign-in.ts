import { checkNewPassword } from '../auth/password-policy.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../auth/passwords.js';
import type { AppContext } from '../api-context.js';
import type { UserRow } from '../db/schema.js';
import type { SessionUser } from '../db/users.js';
import { VettedError } from '../domain/errors.js';
import { assertPasswordSignInAllowed } from './sign-in-methods.js';

const badCredentials = () =>
  new VettedError('invalid_credentials', 'That email and password do not match an active account. Check them and try again.', {
    httpStatus: 401,
  });

/**
 * Password sign-in. The try is counted before the (slow, deliberately) password check, so parallel guesses
 * cannot outrun the limits; a success takes it back. Throws 429 `too_many_attempts` (with `retryAfterSeconds`)
 * or 401 `invalid_credentials`; every failure is audited, and the one that reaches a limit once more.
 */
export async function passwordSignIn(
  ctx: AppContext,
  input: { email: string; password: string; ip: string },
): Promise<{ user: UserRow; token: string; reminder: Reminder }> {
  const { users, audit, loginThrottle } = ctx.repos;
  const attempt = await loginThrottle.take(input.email, input.ip);
  const user = await users.byEmail(input.email);
  const ok = await verifyPassword(user?.password_hash ?? (await dummyPasswordHash()), input.password);
  if (!user || !ok || user.disabled || user.erased_at) {
    await audit.record({ actorId: user?.id ?? null, actorKind: 'anonymous', action: 'login.failed', target: user ? `user:${user.id}` : null, ip: input.ip });
    const { locked } = await attempt.failed();
    if (locked.length) {
      await audit.record({ actorId: user?.id ?? null, actorKind: 'anonymous', action: 'login.locked', target: user ? `user:${user.id}` : null, ip: input.ip, detail: { scope: locked } });
    }
    throw badCredentials();
  }
  await attempt.succeeded();
  await assertPasswordSignInAllowed(ctx, user, input.ip);
  const token = await users.startSession(user.id, input.ip);
  await audit.record({ actorId: user.id, actorKind: 'staff', action: 'login', target: `user:${user.id}`, ip: input.ip });
  return { user, token, reminder: await users.currentReminder() };
}

/** The school's e-safety reminder as it stands: staff acknowledge this version. */
export interface Reminder {
  version: number;
  text: string;
}

export async function currentReminder(ctx: AppContext): Promise<Reminder> {
  return ctx.repos.users.currentReminder();
}

/** The signed-in person acknowledges the reminder they read; one changed meanwhile must be read first (409). */
export async function acknowledgeReminder(ctx: AppContext, staff: SessionUser, version: number, ip: string): Promise<number> {
  const { users, audit } = ctx.repos;
  const current = await users.currentReminder();
  if (version !== current.version) {
    throw new VettedError('reminder_outdated', 'The e-safety reminder has changed since you opened it. Please read the new version.', { httpStatus: 409 });
  }
  await users.acknowledge(staff.sessionId, staff.user.id, current.version);
  await audit.record({ actorId: staff.user.id, actorKind: 'staff', action: 'reminder.acknowledge', target: `reminder:${current.version}`, ip });
  return current.version;
}

export async function signOut(ctx: AppContext, staff: SessionUser, ip: string): Promise<void> {
  await ctx.repos.users.endSession(staff.sessionId);
  await ctx.repos.audit.record({ actorId: staff.user.id, actorKind: 'staff', action: 'logout', target: `user:${staff.user.id}`, ip });
}

/**
 * A staff member changes their own password. The current password is a credential check like a sign-in: the same
 * counters guard it (429 `too_many_attempts`), and a wrong one is audited. Every other session of the person ends;
 * the returned token is the fresh session of the browser that made the change.
 */
export async function changeOwnPassword(ctx: AppContext, staff: SessionUser, input: { currentPassword: string; newPassword: string; ip: string }): Promise<string> {
  const { users, accounts, audit, loginThrottle } = ctx.repos;
  const user = await users.get(staff.user.id);
  if (!user) throw new VettedError('not_signed_in', 'Please sign in to continue.', { httpStatus: 401 });
  const attempt = await loginThrottle.take(user.email, input.ip);
  if (!(await verifyPassword(user.password_hash, input.currentPassword))) {
    await attempt.failed();
    await audit.record({ actorId: user.id, actorKind: 'staff', action: 'password.change_failed', target: `user:${user.id}`, ip: input.ip });
    throw new VettedError('wrong_password', 'Your current password is not right. Type it again.', { httpStatus: 403 });
  }
  await attempt.succeeded();
  if (input.newPassword === input.currentPassword) {
    throw new VettedError('password_unchanged', 'Choose a new password that is different from the current one.', { httpStatus: 400 });
  }
  checkNewPassword(input.newPassword, { email: user.email });
  const token = await accounts.changePassword(user.id, await hashPassword(input.newPassword), input.ip, staff.acknowledgedVersion);
  await audit.record({ actorId: user.id, actorKind: 'staff', action: 'password.change', target: `user:${user.id}`, ip: input.ip, detail: { wasTemporary: user.must_change_password } });
  return token;
}
