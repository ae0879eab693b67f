import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../api-context.js';
import type { UserRow } from '../db/schema.js';
import { formerStaffLabel } from '../domain/people.js';
import { actorOf } from './access.js';
import { accountSignInMethods } from '../services/sign-in-methods.js';
import { addStaff, changeStanding, eraseStaff, listStaff, resetStaffPassword, subjectAccess, type ListedStaff } from '../services/staff.js';
import { Email, Uuid } from './schemas.js';
import { AccountAnswer, AccountErased, AccountList, PasswordReset, SubjectAccessExport, withErrors, type Account } from './contract/index.js';

const Role = Type.Union([Type.Literal('teacher'), Type.Literal('admin')]);

function presentUser(u: UserRow | ListedStaff): Account {
  const listed = u as Partial<ListedStaff>;
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
  app.get('/api/admin/users', { config: { access: 'admin' }, schema: { response: withErrors({ 200: AccountList }) } }, async () => ({ users: (await listStaff(ctx)).map(presentUser) }));

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
      const user = await addStaff(ctx, actorOf(request), request.body);
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
      const { user, temporaryPassword } = await resetStaffPassword(ctx, actorOf(request), request.params.id);
      // Shown once, to the admin, to hand over in person; it works only to choose a new one.
      return { user: presentUser(user), temporaryPassword };
    },
  );

  app.get(
    '/api/admin/users/:id/export',
    { config: { access: 'admin' }, schema: { params: Type.Object({ id: Uuid }), response: withErrors({ 200: SubjectAccessExport }) } },
    async (request, reply) => {
      const data = await subjectAccess(ctx, actorOf(request), request.params.id);
      const { user } = data;
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
