import { createHash, randomBytes } from 'node:crypto';
import { OidcFailure, type ProviderPerson } from '../auth/oidc.js';
import type { AppContext } from '../api-context.js';
import type { UserRow } from '../db/schema.js';
import { domainAllowed, emailClaim, emailDomain, emailVerified, safeReturnPath, type SignInRefusal } from '../domain/school-sign-in.js';
import { staffEntry } from './actor.js';

/**
 * Signing in with the school's Google or Microsoft account. `start` sends the browser to the provider with a
 * fresh state, nonce and PKCE verifier kept server-side under a random attempt cookie; `finish` checks the
 * provider's answer, finds the staff account (by provider subject, else by verified e-mail at the first sign-in,
 * else makes a teacher account when the school asked for that) and starts a session like a password sign-in:
 * the e-safety reminder still has to be acknowledged. Every outcome is audited; every refusal lands back on the
 * sign-in page with a sentence, never an error page.
 */
export type SignInOutcome = { location: string; attemptToken?: string; sessionToken?: string };

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export function refusalLocation(returnTo: string, refusal: SignInRefusal): string {
  return `${safeReturnPath(returnTo)}?signin=${refusal}`;
}

async function refuse(
  ctx: AppContext,
  refusal: SignInRefusal,
  returnTo: string,
  ip: string | null,
  extra: { user?: UserRow; detail?: Record<string, unknown> } = {},
): Promise<SignInOutcome> {
  await ctx.repos.audit.record({
    actorId: extra.user?.id ?? null,
    actorKind: 'anonymous',
    action: 'login.refused',
    target: extra.user ? `user:${extra.user.id}` : null,
    ip,
    detail: { method: 'school_account', reason: refusal, ...extra.detail },
  });
  return { location: refusalLocation(returnTo, refusal) };
}

export async function startSchoolSignIn(ctx: AppContext, input: { returnTo: unknown; ip: string | null }): Promise<SignInOutcome> {
  const returnTo = safeReturnPath(input.returnTo);
  if (!ctx.oidc) return { location: refusalLocation(returnTo, 'not_configured') };
  let begun: Awaited<ReturnType<NonNullable<AppContext['oidc']>['begin']>>;
  try {
    begun = await ctx.oidc.begin();
  } catch (e) {
    if (e instanceof OidcFailure) return refuse(ctx, e.refusal, returnTo, input.ip, { detail: { cause: e.detail } });
    throw e;
  }
  const attemptToken = randomBytes(32).toString('base64url');
  // Not audited: a flood of starts is what fills the table, and it would fill the audit log the same way.
  if (!(await ctx.repos.schoolAccounts.saveAttempt(hash(attemptToken), { ...begun.pending, returnTo }))) {
    return { location: refusalLocation(returnTo, 'sign_in_busy') };
  }
  return { location: begun.url, attemptToken };
}

/** The staff account for a person the provider signed in, or why there is none. */
async function accountFor(ctx: AppContext, person: ProviderPerson, email: string, ip: string | null): Promise<UserRow | { refusal: SignInRefusal; user?: UserRow }> {
  const { users, schoolAccounts, audit } = ctx.repos;
  const linked = await schoolAccounts.bySubject(person.issuer, person.subject);
  if (linked) return linked; // matched by subject: an e-mail change at the provider keeps the account
  const byEmail = await users.byEmail(email);
  if (byEmail && !byEmail.erased_at) {
    if (byEmail.oidc_subject) return { refusal: 'account_linked_elsewhere', user: byEmail };
    if (byEmail.disabled) return { refusal: 'account_disabled', user: byEmail };
    if (!(await schoolAccounts.link(byEmail.id, person.issuer, person.subject))) return { refusal: 'account_linked_elsewhere', user: byEmail };
    await audit.record({ actorId: byEmail.id, actorKind: 'staff', action: 'user.link_school_account', target: `user:${byEmail.id}`, ip, detail: { issuer: person.issuer } });
    return byEmail;
  }
  if (ctx.config.oidc?.autoCreate !== 'teacher') return { refusal: 'unknown_account' };
  const created = await schoolAccounts.createLinked(email, 'teacher', person.issuer, person.subject);
  if (!created) return { refusal: 'unknown_account' }; // taken meanwhile by another sign-in or the admin
  await audit.record({ actorId: null, actorKind: 'system', action: 'user.create', target: `user:${created.id}`, ip, detail: { via: 'school_account', role: 'teacher' } });
  return created;
}

export async function finishSchoolSignIn(
  ctx: AppContext,
  input: { attemptToken: string | undefined; query: string; ip: string | null },
): Promise<SignInOutcome> {
  const { ip } = input;
  if (!ctx.oidc || !ctx.config.oidc) return { location: refusalLocation('/', 'not_configured') };
  const attempt = input.attemptToken ? await ctx.repos.schoolAccounts.takeAttempt(hash(input.attemptToken)) : undefined;
  if (!attempt) return refuse(ctx, 'sign_in_expired', '/', ip, { detail: { cause: input.attemptToken ? 'attempt unknown, used or expired' : 'no attempt cookie' } });
  const { returnTo } = attempt;

  let person: ProviderPerson;
  try {
    person = await ctx.oidc.finish(new URL(`/api/auth/oidc/callback${input.query}`, ctx.config.publicUrl), attempt);
  } catch (e) {
    if (e instanceof OidcFailure) return refuse(ctx, e.refusal, returnTo, ip, { detail: { cause: e.detail } });
    throw e;
  }
  const email = emailClaim(person.claims);
  if (!email || !emailVerified(person.claims)) return refuse(ctx, 'email_not_verified', returnTo, ip, { detail: { subject: person.subject } });
  if (!domainAllowed(email, ctx.config.oidc.allowedDomains)) return refuse(ctx, 'domain_not_allowed', returnTo, ip, { detail: { domain: emailDomain(email) } });

  const found = await accountFor(ctx, person, email, ip);
  if ('refusal' in found) {
    return refuse(ctx, found.refusal, returnTo, ip, { user: found.user, detail: found.user ? {} : { email } });
  }
  if (found.disabled || found.erased_at) return refuse(ctx, 'account_disabled', returnTo, ip, { user: found });

  const sessionToken = await ctx.repos.users.startSession(found.id, ip, 'school_account');
  await ctx.repos.audit.record(
    staffEntry({ id: found.id, ip }, 'login', `user:${found.id}`, { method: 'school_account', ...(email !== found.email ? { providerEmail: email } : {}) }),
  );
  return { location: returnTo, sessionToken };
}
