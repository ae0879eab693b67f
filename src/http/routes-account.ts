import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { TooManyAttempts } from '../auth/login-throttle.js';
import { checkNewPassword } from '../auth/password-policy.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { AppContext } from '../api-context.js';
import { VettedError } from '../domain/errors.js';
import { SESSION_COOKIE, staffOf } from './access.js';
import { PasswordChanged, withErrors } from './contract/index.js';

/**
 * A staff member changes their own password. It is a `session` route: it works before the reminder is
 * acknowledged and with a temporary password (which allows nothing else). Every other session of the
 * person ends; the browser that made the change gets a fresh session.
 */
export const accountRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { users, accounts, audit, loginThrottle } = ctx.repos;
  const secure = ctx.config.publicUrl.startsWith('https:');

  app.post(
    '/api/password',
    {
      config: { access: 'session' },
      schema: {
        body: Type.Object({
          currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
          newPassword: Type.String({ minLength: 1, maxLength: 1024 }),
        }),
        response: withErrors({ 200: PasswordChanged }),
      },
    },
    async (request, reply) => {
      const staff = staffOf(request);
      const user = await users.get(staff.user.id);
      if (!user) throw new VettedError('not_signed_in', 'Please sign in to continue.', { httpStatus: 401 });
      // The current password is a credential check like a sign-in: the same counters guard it.
      const attempt = await loginThrottle.take(user.email, request.ip).catch((e: unknown) => {
        if (e instanceof TooManyAttempts) reply.header('retry-after', String(e.retryAfterSeconds));
        throw e;
      });
      if (!(await verifyPassword(user.password_hash, request.body.currentPassword))) {
        await attempt.failed();
        await audit.record({ actorId: user.id, actorKind: 'staff', action: 'password.change_failed', target: `user:${user.id}`, ip: request.ip });
        throw new VettedError('wrong_password', 'Your current password is not right. Type it again.', { httpStatus: 403 });
      }
      await attempt.succeeded();
      if (request.body.newPassword === request.body.currentPassword) {
        throw new VettedError('password_unchanged', 'Choose a new password that is different from the current one.', { httpStatus: 400 });
      }
      checkNewPassword(request.body.newPassword, { email: user.email });
      const token = await accounts.changePassword(user.id, await hashPassword(request.body.newPassword), request.ip, staff.acknowledgedVersion);
      await audit.record({ actorId: user.id, actorKind: 'staff', action: 'password.change', target: `user:${user.id}`, ip: request.ip, detail: { wasTemporary: user.must_change_password } });
      reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure });
      return { changed: true as const, otherSessionsEnded: true as const };
    },
  );
};
