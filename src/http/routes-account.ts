import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { TooManyAttempts } from '../auth/login-throttle.js';
import type { AppContext } from '../api-context.js';
import { changeOwnPassword } from '../services/sign-in.js';
import { SESSION_COOKIE, staffOf } from './access.js';
import { PasswordChanged, withErrors } from './contract/index.js';

/**
 * A staff member changes their own password. It is a `session` route: it works before the reminder is
 * acknowledged and with a temporary password (which allows nothing else). Every other session of the
 * person ends; the browser that made the change gets a fresh session.
 */
export const accountRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
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
      const token = await changeOwnPassword(ctx, staffOf(request), { ...request.body, ip: request.ip }).catch((e: unknown) => {
        if (e instanceof TooManyAttempts) reply.header('retry-after', String(e.retryAfterSeconds));
        throw e;
      });
      reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure });
      return { changed: true as const, otherSessionsEnded: true as const };
    },
  );
};
