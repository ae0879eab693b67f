import type { AppContext } from '../api-context.js';
import { NO_PASSWORD } from '../db/school-accounts.js';
import type { UserRow } from '../db/schema.js';
import { VettedError } from '../domain/errors.js';
import { isSignInRefusal, SIGN_IN_REFUSALS } from '../domain/school-sign-in.js';
import { staffEntry } from './actor.js';

/**
 * Which ways in the school allows: password sign-in (on unless PASSWORD_LOGIN=off or the admin turned it off)
 * and the school account (when OIDC_* is configured). With passwords off, the one break-glass admin named by
 * the CLI still signs in with a password, so a broken provider never locks the school out.
 */
export async function passwordSignInOpen(ctx: AppContext): Promise<boolean> {
  return ctx.config.passwordLogin === 'on' && !(await ctx.repos.settings.passwordSignInOff());
}

/** After the password matched: refuses anyone but the break-glass admin while password sign-in is off. */
export async function assertPasswordSignInAllowed(ctx: AppContext, user: UserRow, ip: string | null): Promise<void> {
  if (await passwordSignInOpen(ctx)) return;
  if (user.break_glass && user.role === 'admin') {
    // The emergency way in is used rarely and on purpose: governors should see each use.
    await ctx.repos.audit.record({ actorId: user.id, actorKind: 'staff', action: 'login.break_glass', target: `user:${user.id}`, ip });
    return;
  }
  await ctx.repos.audit.record({
    actorId: user.id,
    actorKind: 'anonymous',
    action: 'login.refused',
    target: `user:${user.id}`,
    ip,
    detail: { method: 'password', reason: 'password_sign_in_off' },
  });
  const label = ctx.config.oidc?.label ?? 'Sign in with your school account';
  throw new VettedError('password_sign_in_off', `This school signs in with school accounts, not passwords. Use “${label}”.`, { httpStatus: 403 });
}

/** What the sign-in page offers (anonymous): and the sentence for a refusal the callback sent the browser back with. */
export async function signInMethods(ctx: AppContext, refusal: string | undefined) {
  return {
    password: await passwordSignInOpen(ctx),
    schoolAccount: ctx.config.oidc ? { label: ctx.config.oidc.label, start: '/api/auth/oidc/start' } : null,
    refusal: refusal && isSignInRefusal(refusal) ? { code: refusal, message: SIGN_IN_REFUSALS[refusal] } : null,
  };
}

/** The admin console's view of the sign-in settings. */
export async function signInSettings(ctx: AppContext) {
  const { config } = ctx;
  const breakGlass = await ctx.repos.schoolAccounts.breakGlassAdmin();
  return {
    passwordSignIn: {
      open: await passwordSignInOpen(ctx),
      byConfiguration: config.passwordLogin,
      bySchool: (await ctx.repos.settings.passwordSignInOff()) ? 'off' : 'on',
    },
    schoolAccount: config.oidc
      ? {
          issuer: config.oidc.issuer,
          label: config.oidc.label,
          allowedDomains: config.oidc.allowedDomains,
          autoCreate: config.oidc.autoCreate,
          redirectUri: `${config.publicUrl}/api/auth/oidc/callback`,
        }
      : null,
    breakGlassAdmin: breakGlass && !breakGlass.disabled ? { id: breakGlass.id, email: breakGlass.email } : null,
  };
}

export async function setPasswordSignIn(ctx: AppContext, on: boolean, by: { id: string; ip: string | null }) {
  if (!on && !ctx.config.oidc) {
    throw new VettedError('school_sign_in_not_configured', 'Set up school-account sign-in (OIDC_ISSUER and the rest) before turning password sign-in off.', { httpStatus: 409 });
  }
  if (on && ctx.config.passwordLogin === 'off') {
    throw new VettedError('password_sign_in_off_by_configuration', 'Password sign-in is turned off in the server’s configuration (PASSWORD_LOGIN=off); ask whoever runs the server.', { httpStatus: 409 });
  }
  await ctx.repos.settings.setPasswordSignInOff(!on, by.id);
  await ctx.repos.audit.record(staffEntry(by, 'settings.password_sign_in', null, { on }));
  return signInSettings(ctx);
}

/** How each account signs in, for the admin console. */
export function accountSignInMethods(u: { password_hash?: string; has_password?: boolean; oidc_subject: string | null }): Array<'password' | 'school_account'> {
  const methods: Array<'password' | 'school_account'> = [];
  const hasPassword = u.has_password ?? (u.password_hash !== undefined && !u.password_hash.startsWith('!'));
  if (hasPassword) methods.push('password');
  if (u.oidc_subject) methods.push('school_account');
  return methods;
}

/** `npm run cli -- user break-glass --email …`: names the admin who may still use a password (or clears it). */
export async function nameBreakGlassAdmin(ctx: AppContext, email: string | null): Promise<string> {
  const { users, schoolAccounts, audit } = ctx.repos;
  if (email === null) {
    const before = await schoolAccounts.breakGlassAdmin();
    await schoolAccounts.nameBreakGlass(null);
    if (before) await audit.record({ actorId: null, actorKind: 'system', action: 'user.break_glass', target: `user:${before.id}`, detail: { via: 'cli', on: false } });
    return before ? `${before.email} is no longer the break-glass admin.` : 'There was no break-glass admin.';
  }
  const user = await users.byEmail(email);
  const fail = (m: string) => new VettedError('break_glass_refused', m, { httpStatus: 409 });
  if (!user || user.erased_at) throw fail(`There is no staff account for ${email.trim().toLowerCase()}.`);
  if (user.role !== 'admin') throw fail(`${user.email} is not an admin; the break-glass account must be one.`);
  if (user.disabled) throw fail(`${user.email} is disabled; enable it first.`);
  if (user.password_hash === NO_PASSWORD || user.password_hash.startsWith('!')) {
    throw fail(`${user.email} has no password; give it one first with: npm run cli -- user reset-password --email ${user.email}`);
  }
  await schoolAccounts.nameBreakGlass(user.id);
  await audit.record({ actorId: null, actorKind: 'system', action: 'user.break_glass', target: `user:${user.id}`, detail: { via: 'cli', on: true } });
  return `${user.email} is now the break-glass admin: they can sign in with their password even when password sign-in is off.`;
}

/** The admin's "check the connection": can Vetted discover the provider, with the issuer it was given? */
export async function checkSchoolAccountProvider(ctx: AppContext) {
  if (!ctx.oidc) {
    return { ok: false, message: 'School-account sign-in is not set up on this server (OIDC_ISSUER is not set).' };
  }
  const result = await ctx.oidc.check();
  return result.ok
    ? { ok: true, message: `Vetted reached ${ctx.oidc.issuer} and read its settings; sign-ins go to ${result.authorizationEndpoint}.` }
    : {
        ok: false,
        message: `Vetted could not use ${ctx.oidc.issuer}: ${result.detail}. Check OIDC_ISSUER (it must be the provider's issuer exactly) and that this server can reach it.`,
      };
}
