import type { AppContext } from '../api-context.js';
import { keepingAnActiveAdmin } from '../db/accounts.js';
import type { Role, UserRow } from '../db/schema.js';
import { VettedError } from '../domain/errors.js';
import type { Actor } from './classes.js';

const conflict = (code: string, message: string) => new VettedError(code, message, { httpStatus: 409 });
const userNotFound = () => new VettedError('user_not_found', 'That staff account does not exist.', { httpStatus: 404 });
const lastAdmin = () => conflict('last_admin', 'This is the only active admin. Make someone else an admin first.');

async function loadChangeable(ctx: AppContext, id: string): Promise<UserRow> {
  const user = await ctx.repos.users.get(id);
  if (!user) throw userNotFound();
  if (user.erased_at) throw conflict('user_erased', 'This account has been erased and cannot be changed.');
  return user;
}

/**
 * The admin's changes to a staff account's standing. The school always keeps an active admin, also when two
 * admins disable, demote or erase each other at the same moment (see `keepingAnActiveAdmin`), and nobody can
 * disable or erase themselves.
 */
export async function changeStanding(ctx: AppContext, actor: Actor, id: string, change: { disabled?: boolean; role?: Role }): Promise<UserRow> {
  const before = await loadChangeable(ctx, id);
  if (before.id === actor.id && change.disabled === true) throw conflict('cannot_disable_self', 'You cannot disable your own account.');
  // Both changes in one transaction, whatever other admins do meanwhile.
  const done = await keepingAnActiveAdmin(ctx.db, async (accounts) => {
    let row = before;
    if (change.role !== undefined && change.role !== row.role) row = (await accounts.setRole(row.id, change.role)) ?? row;
    if (change.disabled !== undefined && change.disabled !== row.disabled) row = (await accounts.setDisabled(row.id, change.disabled)) ?? row;
    return row;
  });
  if (!done.ok) throw lastAdmin();
  const user = done.result;
  const { audit } = ctx.repos;
  if (user.role !== before.role) {
    await audit.record({ actorId: actor.id, actorKind: 'staff', action: 'user.role', target: `user:${user.id}`, ip: actor.ip, detail: { from: before.role, to: user.role } });
  }
  if (user.disabled !== before.disabled) {
    await audit.record({ actorId: actor.id, actorKind: 'staff', action: user.disabled ? 'user.disable' : 'user.enable', target: `user:${user.id}`, ip: actor.ip });
  }
  return user;
}

/** Erasure of a departed member (see `accounts.erase`), never of oneself, never of the last active admin. */
export async function eraseStaff(ctx: AppContext, actor: Actor, id: string): Promise<UserRow> {
  const user = await loadChangeable(ctx, id);
  if (user.id === actor.id) throw conflict('cannot_erase_self', 'You cannot erase your own account. Ask another admin.');
  const done = await keepingAnActiveAdmin(ctx.db, (accounts) => accounts.erase(user.id));
  if (!done.ok) throw lastAdmin();
  if (!done.result) throw userNotFound();
  await ctx.repos.audit.record({ actorId: actor.id, actorKind: 'staff', action: 'user.erase', target: `user:${user.id}`, ip: actor.ip });
  return done.result;
}
