import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../api-context.js';
import { finishSchoolSignIn, refusalLocation, startSchoolSignIn, type SignInOutcome } from '../services/school-sign-in.js';
import { checkSchoolAccountProvider, setPasswordSignIn, signInMethods, signInSettings } from '../services/sign-in-methods.js';
import { SESSION_COOKIE, staffOf } from './access.js';
import { Empty, ProviderCheck, SignInMethods, SignInSettings, withErrors } from './contract/index.js';

const Redirect = { 302: Empty('to the provider, or back to the page that started the sign-in (a refusal names its reason there)') };

/** The browser's handle on a sign-in in flight; Lax, because the provider's redirect back is a cross-site navigation. */
const ATTEMPT_COOKIE = 'vetted_sign_in';
const ATTEMPT_PATH = '/api/auth/oidc';

/**
 * School-account sign-in (OpenID Connect) and the choice of sign-in methods. The two /api/auth/oidc routes are
 * browser navigations: they always answer with a redirect, a refusal included, never an error page.
 */
export const schoolSignInRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const secure = ctx.config.publicUrl.startsWith('https:');

  function redirect(reply: FastifyReply, outcome: SignInOutcome) {
    if (outcome.attemptToken) {
      reply.setCookie(ATTEMPT_COOKIE, outcome.attemptToken, { path: ATTEMPT_PATH, httpOnly: true, sameSite: 'lax', secure, maxAge: 600 });
    } else {
      reply.clearCookie(ATTEMPT_COOKIE, { path: ATTEMPT_PATH });
    }
    if (outcome.sessionToken) reply.setCookie(SESSION_COOKIE, outcome.sessionToken, { path: '/', httpOnly: true, sameSite: 'strict', secure });
    return reply.header('cache-control', 'no-store').redirect(outcome.location, 302);
  }

  /** A fault of ours (the database, a bug) still ends on the sign-in page with a sentence, logged for IT. */
  async function guarded(reply: FastifyReply, returnTo: unknown, run: () => Promise<SignInOutcome>) {
    try {
      return redirect(reply, await run());
    } catch (e) {
      reply.log.error({ err: e }, 'school-account sign-in failed');
      return redirect(reply, { location: refusalLocation(typeof returnTo === 'string' ? returnTo : '/', 'sign_in_failed') });
    }
  }

  app.get(
    '/api/auth/methods',
    {
      config: { access: 'anyone' },
      schema: { querystring: Type.Object({ refusal: Type.Optional(Type.String({ maxLength: 64 })) }), response: withErrors({ 200: SignInMethods }) },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return signInMethods(ctx, request.query.refusal);
    },
  );

  // No HEAD twins: a HEAD must not start an attempt, nor use one up.
  app.get(
    '/api/auth/oidc/start',
    {
      config: { access: 'anyone' },
      exposeHeadRoute: false,
      schema: { querystring: Type.Object({ return: Type.Optional(Type.String({ maxLength: 64 })) }), response: withErrors(Redirect) },
    },
    async (request, reply) => guarded(reply, request.query.return, () => startSchoolSignIn(ctx, { returnTo: request.query.return, ip: request.ip })),
  );

  app.get('/api/auth/oidc/callback', { config: { access: 'anyone' }, exposeHeadRoute: false, schema: { response: withErrors(Redirect) } }, async (request, reply) => {
    const q = request.url.indexOf('?');
    const query = q < 0 ? '' : request.url.slice(q);
    return guarded(reply, '/', () => finishSchoolSignIn(ctx, { attemptToken: request.cookies[ATTEMPT_COOKIE], query, ip: request.ip }));
  });

  app.get('/api/admin/sign-in', { config: { access: 'admin' }, schema: { response: withErrors({ 200: SignInSettings }) } }, async () => signInSettings(ctx));

  app.get('/api/admin/sign-in/check', { config: { access: 'admin' }, schema: { response: withErrors({ 200: ProviderCheck }) } }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return checkSchoolAccountProvider(ctx);
  });

  app.put(
    '/api/admin/sign-in',
    {
      config: { access: 'admin' },
      schema: { body: Type.Object({ passwordSignIn: Type.Boolean() }, { additionalProperties: false }), response: withErrors({ 200: SignInSettings }) },
    },
    async (request) => {
      const staff = staffOf(request);
      return setPasswordSignIn(ctx, request.body.passwordSignIn, { id: staff.user.id, ip: request.ip });
    },
  );
};
