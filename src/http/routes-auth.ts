import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../api-context.js';
import { acknowledgeReminder, currentReminder, passwordSignIn, signOut } from '../services/sign-in.js';
import { TooManyAttempts } from '../auth/login-throttle.js';
import { SESSION_COOKIE, staffOf } from './access.js';
import { Acknowledged, LoginAnswer, Me, SignedOut, withErrors } from './contract/index.js';


export const authRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const secure = ctx.config.publicUrl.startsWith('https:');

  app.post(
    '/api/login',
    {
      config: { access: 'anyone' },
      schema: {
        body: Type.Object({
          email: Type.String({ minLength: 1, maxLength: 320 }),
          password: Type.String({ minLength: 1, maxLength: 1024 }),
        }),
        response: withErrors({ 200: LoginAnswer }),
      },
    },
    async (request, reply) => {
      const { user, token, reminder } = await passwordSignIn(ctx, { ...request.body, ip: request.ip }).catch((e: unknown) => {
        if (e instanceof TooManyAttempts) reply.header('retry-after', String(e.retryAfterSeconds));
        throw e;
      });
      reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure });
      return {
        user: { id: user.id, email: user.email, role: user.role },
        reminder: reminder.text,
        reminderVersion: reminder.version,
        mustChangePassword: user.must_change_password,
      };
    },
  );

  app.post(
    '/api/reminder/acknowledge',
    {
      config: { access: 'session' },
      schema: { body: Type.Object({ version: Type.Integer({ minimum: 1 }) }), response: withErrors({ 200: Acknowledged }) },
    },
    async (request) => ({ acknowledged: true as const, version: await acknowledgeReminder(ctx, staffOf(request), request.body.version, request.ip) }),
  );

  app.post('/api/logout', { config: { access: 'session' }, schema: { response: withErrors({ 200: SignedOut }) } }, async (request, reply) => {
    await signOut(ctx, staffOf(request), request.ip);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { signedOut: true as const };
  });

  app.get('/api/me', { config: { access: 'session' }, schema: { response: withErrors({ 200: Me }) } }, async (request) => {
    const staff = staffOf(request);
    const reminder = await currentReminder(ctx);
    return {
      user: { id: staff.user.id, email: staff.user.email, role: staff.user.role },
      reminder: reminder.text,
      reminderVersion: reminder.version,
      // A new reminder applies at the next sign-in: this session needs the version current when it began.
      reminderAcknowledged: (staff.acknowledgedVersion ?? 0) >= staff.requiredVersion,
    };
  });
};
