import type { AppContext } from '../api-context.js';
import { checkNewPassword, temporaryPassword } from '../auth/password-policy.js';
import { hashPassword } from '../auth/passwords.js';
import { keepingAnActiveAdmin } from '../db/accounts.js';
import type { Role, UserRow } from '../db/schema.js';
import { NO_PASSWORD } from '../db/school-accounts.js';
import { VettedError } from '../domain/errors.js';
import type { Actor } from './actor.js';

/**
 * Who changes a staff account: a signed-in admin, or `npm run cli` on the server (audited as the system, with
 * `via: 'cli'`). Both go through the same functions below, so they keep the same rules and leave the same entries.
 */
export type AccountActor = Actor | 'cli';

const conflict = (code: string, message: string) => new VettedError(code, message, { httpStatus: 409 });
const userNotFound = () => new VettedError('user_not_found', 'That staff account does not exist.', { httpStatus: 404 });
const lastAdmin = () => conflict('last_admin', 'This is the only active admin. Make someone else an admin first.');
const userExists = (email: string) => conflict('user_exists', `A staff account for ${email.trim().toLowerCase()} already exists.`);

const isSelf = (actor: AccountActor, user: UserRow) => actor !== 'cli' && actor.id === user.id;

async function record(ctx: AppContext, actor: AccountActor, action: string, user: UserRow, detail?: Record<string, unknown>): Promise<void> {
  await ctx.repos.audit.record(
    actor === 'cli'
      ? { actorId: null, actorKind: 'system', action, target: `user:${user.id}`, detail: { via: 'cli', ...detail } }
      : { actorId: actor.id, actorKind: 'staff', action, target: `user:${user.id}`, ip: actor.ip, detail },
  );
}

async function loadChangeable(ctx: AppContext, id: string): Promise<UserRow> {
  const user = await ctx.repos.users.get(id);
  if (!user) throw userNotFound();
  if (user.erased_at) throw conflict('user_erased', 'This account has been erased and cannot be changed.');
  return user;
}

/** Every staff account, with when it was last seen, its open sessions and the reminder version it acknowledged. */
export async function listStaff(ctx: AppContext) {
  return ctx.repos.accounts.list();
}

export type ListedStaff = Awaited<ReturnType<typeof listStaff>>[number];

/** The account with this email, unless there is none or it was erased (the command line names people by email). */
export async function staffByEmail(ctx: AppContext, email: string): Promise<UserRow | undefined> {
  const user = await ctx.repos.users.byEmail(email);
  return user && !user.erased_at ? user : undefined;
}

/**
 * A new staff account. Without a password the person signs in only with their school account, which the school
 * must have set up; a password must pass the policy, and `mustChangePassword` makes them choose their own at first
 * sign-in.
 */
export async function addStaff(
  ctx: AppContext,
  actor: AccountActor,
  asked: { email: string; role: Role; password?: string; mustChangePassword?: boolean },
): Promise<UserRow> {
  const { users, accounts } = ctx.repos;
  const { email, role, password } = asked;
  if (password === undefined && !ctx.config.oidc) {
    throw new VettedError('password_required', 'Give the new account a first password: this school does not sign in with school accounts.', { httpStatus: 400 });
  }
  if (password !== undefined) checkNewPassword(password, { email });
  if (await users.byEmail(email)) throw userExists(email);
  let user: UserRow;
  try {
    user = await users.create(email, password === undefined ? NO_PASSWORD : await hashPassword(password), role);
  } catch (e) {
    if ((e as { code?: string }).code === '23505') throw userExists(email);
    throw e;
  }
  if (asked.mustChangePassword && password !== undefined) user = (await accounts.requirePasswordChange(user.id)) ?? user;
  await record(ctx, actor, 'user.create', user, password === undefined ? { role, signIn: 'school_account' } : { role });
  return user;
}

/**
 * The admin's changes to a staff account's standing. The school always keeps an active admin, also when two
 * admins disable, demote or erase each other at the same moment (see `keepingAnActiveAdmin`), and nobody can
 * disable or erase themselves. A change to what the account already is changes and records nothing.
 */
export async function changeStanding(ctx: AppContext, actor: AccountActor, id: string, change: { disabled?: boolean; role?: Role }): Promise<UserRow> {
  const before = await loadChangeable(ctx, id);
  if (isSelf(actor, before) && change.disabled === true) throw conflict('cannot_disable_self', 'You cannot disable your own account.');
  // Both changes in one transaction, whatever other admins do meanwhile.
  const done = await keepingAnActiveAdmin(ctx.db, async (accounts) => {
    let row = before;
    if (change.role !== undefined && change.role !== row.role) row = (await accounts.setRole(row.id, change.role)) ?? row;
    if (change.disabled !== undefined && change.disabled !== row.disabled) row = (await accounts.setDisabled(row.id, change.disabled)) ?? row;
    return row;
  });
  if (!done.ok) throw lastAdmin();
  const user = done.result;
  if (user.role !== before.role) await record(ctx, actor, 'user.role', user, { from: before.role, to: user.role });
  if (user.disabled !== before.disabled) await record(ctx, actor, user.disabled ? 'user.disable' : 'user.enable', user);
  return user;
}

/**
 * A new password for someone who lost theirs: every session of theirs ends, and the password works only to choose
 * a new one. A temporary one is made up unless the caller chose it (it must pass the policy). It is shown once, to
 * the admin, to hand over in person.
 */
export async function resetStaffPassword(ctx: AppContext, actor: AccountActor, id: string, chosen?: string): Promise<{ user: UserRow; temporaryPassword: string }> {
  const user = await loadChangeable(ctx, id);
  if (chosen !== undefined) checkNewPassword(chosen, { email: user.email });
  const temporary = chosen ?? temporaryPassword();
  const after = await ctx.repos.accounts.resetPassword(user.id, await hashPassword(temporary));
  await record(ctx, actor, 'user.reset_password', user);
  return { user: after ?? user, temporaryPassword: temporary };
}

/** Everything held about one staff member (subject access); the export itself is audited. */
export async function subjectAccess(ctx: AppContext, actor: Actor, id: string) {
  const data = await ctx.repos.accounts.subjectData(id);
  if (!data) throw userNotFound();
  await record(ctx, actor, 'user.export', data.user);
  return data;
}

/** Erasure of a departed member (see `accounts.erase`), never of oneself, never of the last active admin. */
export async function eraseStaff(ctx: AppContext, actor: AccountActor, id: string): Promise<UserRow> {
  const user = await loadChangeable(ctx, id);
  if (isSelf(actor, user)) throw conflict('cannot_erase_self', 'You cannot erase your own account. Ask another admin.');
  const done = await keepingAnActiveAdmin(ctx.db, (accounts) => accounts.erase(user.id));
  if (!done.ok) throw lastAdmin();
  if (!done.result) throw userNotFound();
  await record(ctx, actor, 'user.erase', user);
  return done.result;
}
