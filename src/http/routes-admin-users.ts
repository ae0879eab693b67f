import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { checkNewPassword, temporaryPassword } from '../auth/password-policy.js';
import { hashPassword } from '../auth/passwords.js';
import type { AppContext } from '../api-context.js';
import type { UserRow } from '../db/schema.js';
import { VettedError } from '../domain/errors.js';
import { formerStaffLabel } from '../domain/people.js';
import { actorOf, staffOf } from './access.js';
import { accountSignInMethods } from '../services/sign-in-methods.js';
import { NO_PASSWORD } from '../db/school-accounts.js';

import { Uuid } from './schemas.js';
import { changeStanding, eraseStaff } from '../services/staff.js';
import { AccountAnswer, AccountErased, AccountList, PasswordReset, SubjectAccessExport, withErrors, type Account } from './contract/index.js';
const Role = Type.Union([Type.Literal('teacher'), Type.Literal('admin')]);
export const Email = Type.String({ minLength: 3, maxLength: 320, pattern: '^[^\\s@]+@[^\\s@]+$' });

const userNotFound = () => new VettedError('user_not_found', 'That staff account does not exist.', { httpStatus: 404 });
const conflict = (code: string, message: string) => new VettedError(code, message, { httpStatus: 409 });

type ListedUser = Awaited<ReturnType<AppContext['repos']['accounts']['list']>>[number];

function presentUser(u: UserRow | ListedUser): Account {
  const listed = u as Partial<ListedUser>;
  return {
    id: u.id,
    email: u.erased_at ? formerStaffLabel(u.id) : u.email,
    role: u.role,
    disabled: u.disabled,
    mustChangePassword: u.must_change_password,
    erased: u.erased_at !== null,
    erasedAt: u.erased_at?.toISOString() ?? null,
    createdAt: u.created_at.toISOString(),
    passwordChangedAt: u.password_changed_at.toISOString(),
    lastSeenAt: listed.last_seen_at ? new Date(listed.last_seen_at).toISOString() : null,
    activeSessions: listed.sessions ?? 0,
    acknowledgedVersion: listed.acknowledged_version ?? null,
    signInMethods: accountSignInMethods(u),
    breakGlass: u.break_glass,
  };
}

/**
 * Staff accounts for the e-safety lead: add, disable and re-enable, change role, reset a password,
 * export everything held about one person (subject access) and erase a departed member. The school always
 * keeps at least one active admin, and an admin cannot lock themselves out.
 */
export const adminUserRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { users, accounts, audit } = ctx.repos;

  async function load(id: string): Promise<UserRow> {
    const user = await users.get(id);
    if (!user) throw userNotFound();
    return user;
  }

  function refuseErased(user: UserRow): void {
    if (user.erased_at) throw conflict('user_erased', 'This account has been erased and cannot be changed.');
  }


  app.get('/api/admin/users', { config: { access: 'admin' }, schema: { response: withErrors({ 200: AccountList }) } }, async () => ({ users: (await accounts.list()).map(presentUser) }));

  app.post(
    '/api/admin/users',
    {
      config: { access: 'admin' },
      schema: {
        body: Type.Object({
          email: Email,
          role: Role,
          /** Optional when school-account sign-in is set up: the person then signs in only that way. */
          password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
          /** Ask the person to choose their own password at first sign-in. */
          mustChangePassword: Type.Optional(Type.Boolean()),
        }),
        response: withErrors({ 201: AccountAnswer }),
      },
    },
    async (request, reply) => {
      const staff = staffOf(request);
      const { email, role, password } = request.body;
      if (password === undefined && !ctx.config.oidc) {
        throw new VettedError('password_required', 'Give the new account a first password: this school does not sign in with school accounts.', { httpStatus: 400 });
      }
      if (password !== undefined) checkNewPassword(password, { email });
      if (await users.byEmail(email)) throw conflict('user_exists', `A staff account for ${email.trim().toLowerCase()} already exists.`);
      let user: UserRow;
      try {
        user = await users.create(email, password === undefined ? NO_PASSWORD : await hashPassword(password), role);
      } catch (e) {
        if ((e as { code?: string }).code === '23505') throw conflict('user_exists', `A staff account for ${email.trim().toLowerCase()} already exists.`);
        throw e;
      }
      if (request.body.mustChangePassword && password !== undefined) user = (await accounts.requirePasswordChange(user.id)) ?? user;
      await audit.record({ actorId: staff.user.id, actorKind: 'staff', action: 'user.create', target: `user:${user.id}`, ip: request.ip, detail: password === undefined ? { role, signIn: 'school_account' } : { role } });
      reply.status(201);
      return { user: presentUser(user) };
    },
  );

  app.patch(
    '/api/admin/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        params: Type.Object({ id: Uuid }),
        body: Type.Object({ disabled: Type.Optional(Type.Boolean()), role: Type.Optional(Role) }, { minProperties: 1 }),
        response: withErrors({ 200: AccountAnswer }),
      },
    },
    async (request) => {
      const user = await changeStanding(ctx, actorOf(request), request.params.id, request.body);
      return { user: presentUser(user) };
    },
  );

  app.post(
    '/api/admin/users/:id/reset-password',
    { config: { access: 'admin' }, schema: { params: Type.Object({ id: Uuid }), response: withErrors({ 200: PasswordReset }) } },
    async (request) => {
      const staff = staffOf(request);
      const user = await load(request.params.id);
      refuseErased(user);
      const temporary = temporaryPassword();
      await accounts.resetPassword(user.id, await hashPassword(temporary));
      await audit.record({ actorId: staff.user.id, actorKind: 'staff', action: 'user.reset_password', target: `user:${user.id}`, ip: request.ip });
      // Shown once, to the admin, to hand over in person; it works only to choose a new password.
      return { user: presentUser((await users.get(user.id))!), temporaryPassword: temporary };
    },
  );

  app.get(
    '/api/admin/users/:id/export',
    { config: { access: 'admin' }, schema: { params: Type.Object({ id: Uuid }), response: withErrors({ 200: SubjectAccessExport }) } },
    async (request, reply) => {
      const staff = staffOf(request);
      const data = await accounts.subjectData(request.params.id);
      if (!data) throw userNotFound();
      const { user } = data;
      await audit.record({ actorId: staff.user.id, actorKind: 'staff', action: 'user.export', target: `user:${user.id}`, ip: request.ip });
      reply
        .header('content-disposition', `attachment; filename="vetted-subject-access-${user.id}.json"`)
        .header('cache-control', 'no-store');
      return {
        exportedAt: new Date().toISOString(),
        about:
          'Everything Vetted holds about this staff member. Vetted stores no pupil names or pupil accounts; boards are identified by their class only.',
        account: {
          id: user.id,
          email: user.email,
          role: user.role,
          disabled: user.disabled,
          mustChangePassword: user.must_change_password,
          createdAt: user.created_at,
          passwordChangedAt: user.password_changed_at,
          erasedAt: user.erased_at,
          password: 'stored only as an argon2id hash, not exported',
          schoolAccount: user.oidc_subject ? { issuer: user.oidc_issuer, subject: user.oidc_subject } : null,
        },
        sessions: data.sessions.map((s) => ({ startedAt: s.created_at, lastSeenAt: s.last_seen_at, ip: s.ip, acknowledgedReminderVersion: s.acknowledged_version })),
        reminderAcknowledgements: data.acknowledgements.map((a) => ({ version: a.version, acknowledgedAt: a.acknowledged_at })),
        auditEntries: data.audit.map((a) => ({ at: a.at, action: a.action, target: a.target, ip: a.ip, detail: a.detail })),
        auditEntriesAboutThisAccount: data.auditAbout.map((a) => ({ at: a.at, by: a.actor_kind, action: a.action, ip: a.ip })),
        itemsSubmitted: data.submitted,
        itemsReviewed: data.reviewed,
        classesCreated: data.classes,
        incidentsReported: data.incidentsReported,
        incidentsResolved: data.incidentsResolved,
        domainRulesCreated: data.rules,
        remindersWritten: data.reminders,
      };
    },
  );

  app.post(
    '/api/admin/users/:id/erase',
    { config: { access: 'admin' }, schema: { params: Type.Object({ id: Uuid }), response: withErrors({ 200: AccountErased }) } },
    async (request) => {
      const erased = await eraseStaff(ctx, actorOf(request), request.params.id);
      return { user: presentUser(erased), pseudonym: formerStaffLabel(erased.id) };
    },
  );
};
