import { attentionRoutes } from './http/routes-attention.js';
import { viewingRoutes } from './http/routes-viewing.js';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { AppContext } from './api-context.js';
import { itemEvents, type ItemEvents } from './db/item-events.js';
import accessPlugin, { changesState } from './http/access.js';
import { installCrossSiteGuard } from './http/cross-site.js';
import { installErrorHandlers } from './http/errors.js';
import { installValidation } from './http/validation.js';
import { installAnswerCheck } from './http/answer-check.js';
import { logRequest } from './http/log-redaction.js';
import { authRoutes } from './http/routes-auth.js';
import { boardRoutes } from './http/routes-board.js';
import { boardEventRoutes } from './http/routes-board-events.js';
import { classRoutes } from './http/routes-classes.js';
import { itemRoutes } from './http/routes-items.js';
import { mediaRoutes } from './http/routes-media.js';
import { pairingRoutes } from './http/routes-pairing.js';
import { playlistOrderRoutes } from './http/routes-playlist-order.js';
import { uploadRoutes } from './http/routes-uploads.js';
import { webRoutes } from './http/routes-web.js';
import { presentBoard } from './http/present.js';
import { attentionService } from './services/attention.js';
import { boardService, type BoardService } from './services/board.js';
import { liveSiteJudge } from './services/live-site.js';
import { installRouteTable } from './http/route-table.js';
import { opsRoutes } from './http/routes-ops.js';
import { createMetrics } from './http/metrics.js';
import { PACKAGE_VERSION } from './platform/paths.js';
import { accountRoutes } from './http/routes-account.js';
import { adminRoutes } from './http/routes-admin.js';
import { wordListRoutes } from './http/routes-word-list.js';
import { youtubeRoutes } from './http/routes-youtube.js';
import { adminUserRoutes } from './http/routes-admin-users.js';
import { policyRoutes } from './http/routes-policy.js';
import { reportRoutes } from './http/routes-reports.js';
import { schoolSignInRoutes } from './http/routes-school-sign-in.js';

export interface BuildOptions {
  logger?: boolean | { level: string; stream?: { write(line: string): void } };
  /** Tests: fail any answer that a route's response schema changed (src/http/answer-check.ts). */
  checkAnswers?: boolean;
}

/** Fastify takes a hop count as a function of the hop's index (0 = the peer that connected). */
function proxyTrust(setting: false | number | string[]): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting !== 'number') return setting;
  return (_address, hop) => hop < setting;
}

/** Builds the HTTP app: external plugins, then access rules, then routes. It does not listen. */
export async function buildApp(ctx: AppContext, opts: BuildOptions = {}): Promise<FastifyInstance & { events: ItemEvents; board: BoardService }> {
  const logger = opts.logger ? { ...(opts.logger === true ? {} : opts.logger), serializers: { req: logRequest } } : false;
  const app = Fastify({
    logger,
    bodyLimit: 64 * 1024,
    // Idle connections stay open longer than a reverse proxy keeps them (deploy/nginx.conf: 60 s), so the proxy
    // never reuses one that Vetted is closing.
    keepAliveTimeout: 72_000,
    // A hop count or the proxies' addresses (never "trust everyone"): the client's own X-Forwarded-For is ignored.
    trustProxy: proxyTrust(ctx.config.trustProxy),
    // A path the router cannot decode (`/api/classes/%`) gets the same error shape as everything else.
    frameworkErrors: (_error, _request, reply: FastifyReply) => {
      void reply.status(400).send({
        error: { code: 'bad_url', message: 'This address is not valid (it has a broken %-code). Check the link and try again.' },
      });
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  installValidation(app);

  // JSON bodies only: a plain-text or form post from another site has no parser and gets 415.
  app.removeContentTypeParser('text/plain');

  installErrorHandlers(app);
  await app.register(fastifyCookie);
  // reply.sendFile for the web app's own files (each call names its folder); media come from the store.
  await app.register(fastifyStatic, { serve: false });
  await app.register(accessPlugin, {
    users: ctx.repos.users,
    members: ctx.repos.classMembers,
    idleMinutes: ctx.config.sessionIdleMinutes,
  });
  // After the access rules: each puts its check first on a route, so this one runs before the session check.
  installCrossSiteGuard(app, ctx.config.publicUrl);
  installRouteTable(app);
  if (opts.checkAnswers) installAnswerCheck(app);
  // Before every route: it records their schemas for /api/openapi.json.
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Vetted', version: PACKAGE_VERSION, description: 'The HTTP API of Vetted. Errors are {"error": {"code", "message"}}.' },
    },
  });
  const metrics = createMetrics(ctx);
  metrics.install(app);
  await app.register(opsRoutes, { ctx, metrics, openapi: () => app.swagger() });

  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (!reply.hasHeader('x-frame-options')) reply.header('x-frame-options', 'SAMEORIGIN');
  });

  const events = itemEvents(ctx.config.databaseUrl, (m) => app.log.warn(m));
  await events.start();
  app.addHook('onClose', async () => events.close());
  const board = boardService({
    boards: ctx.repos.boards,
    events,
    present: presentBoard,
    liveSites: () => liveSiteJudge(ctx),
    seen: attentionService(ctx).boardSeen,
  });
  // Read your own writes: a request that may have changed items is answered only once this process
  // has heard the resulting notifications, so its next board read already reflects them ("at once").
  // Only on routes that take a state-changing method; reads skip it.
  app.addHook('onRoute', (route) => {
    if (!changesState(route)) return;
    const own = route.onSend;
    route.onSend = [
      async (request, _reply, payload) => {
        if (request.method !== 'GET' && request.method !== 'HEAD') await events.sync();
        return payload;
      },
      ...(Array.isArray(own) ? own : own ? [own] : []),
    ];
  });
  app.addHook('onClose', async () => board.close());

  await app.register(authRoutes, { ctx });
  await app.register(classRoutes, { ctx });
  await app.register(itemRoutes, { ctx, events });
  await app.register(boardRoutes, { board });
  await app.register(mediaRoutes, { ctx, board });
  await app.register(playlistOrderRoutes, { ctx });
  await app.register(uploadRoutes, { ctx });
  await app.register(boardEventRoutes, { board });
  await app.register(pairingRoutes, { ctx });
  await app.register(webRoutes);
  // Safeguarding governance (issue 4).
  await app.register(accountRoutes, { ctx });
  await app.register(adminUserRoutes, { ctx });
  await app.register(adminRoutes, { ctx, root: app });
  await app.register(wordListRoutes, { ctx });
  await app.register(youtubeRoutes, { ctx });
  await app.register(policyRoutes, { ctx });
  await app.register(reportRoutes, { ctx });
  // School-account sign-in (issue 13).
  await app.register(schoolSignInRoutes, { ctx });
  await app.register(viewingRoutes, { ctx });
  await app.register(attentionRoutes, { ctx, events });
  return Object.assign(app, { events, board });
}
