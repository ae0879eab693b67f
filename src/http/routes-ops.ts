import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../api-context.js';
import { checkReadiness, type Part } from '../services/readiness.js';
import { mayReadMetrics, type Metrics } from './metrics.js';
import { Problem, Text, withErrors } from './contract/index.js';
const Checks = Type.Object({
  database: Type.Union([Type.Literal('ok'), Type.Literal('failing')]),
  redis: Type.Union([Type.Literal('ok'), Type.Literal('failing')]),
  storage: Type.Union([Type.Literal('ok'), Type.Literal('failing')]),
});

const PART_NAMES: Record<Part, string> = { database: 'the database', redis: 'Redis (the job queue)', storage: 'the media storage' };

/**
 * The IT person's monitoring: liveness, readiness, Prometheus metrics and the machine-readable API
 * description. None of them tells a stranger anything about the school's data: readiness names
 * only which part fails, metrics are for this machine or the token holder.
 */
export const opsRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext; metrics: Metrics; openapi: () => unknown }> = async (app, { ctx, metrics, openapi }) => {
  app.get(
    '/healthz',
    {
      config: { access: 'anyone' },
      schema: { summary: 'The process is alive', response: withErrors({ 200: Type.Object({ status: Type.Literal('ok') }) }) },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'anyone' },
      schema: {
        summary: 'The database, Redis and the media storage answer',
        response: withErrors({
          200: Type.Object({ status: Type.Literal('ready'), checks: Checks }),
          503: Type.Object({ error: Problem, checks: Checks }),
        }),
      },
    },
    async (_request, reply) => {
      const r = await checkReadiness(ctx);
      if (r.ready) return { status: 'ready' as const, checks: r.checks };
      const names = r.failing.map((p) => PART_NAMES[p]);
      const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0];
      return reply.status(503).send({
        error: { code: 'not_ready', message: `Not ready: ${list} ${names.length > 1 ? 'do' : 'does'} not answer.` },
        checks: r.checks,
      });
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: 'anyone' },
      schema: {
        summary: 'Prometheus metrics (METRICS_TOKEN as a bearer token, or from this machine only)',
        response: withErrors({ 200: Text('text/plain', 'Prometheus text format') }),
      },
    },
    async (request, reply) => {
      if (!mayReadMetrics(request, ctx.config.metricsToken)) {
        return reply.status(403).send({
          error: {
            code: 'metrics_forbidden',
            message: ctx.config.metricsToken
              ? 'Send the metrics token as "Authorization: Bearer <METRICS_TOKEN>".'
              : 'Metrics are readable from this machine only. Set METRICS_TOKEN to let a monitoring server read them.',
          },
        });
      }
      reply.header('content-type', metrics.registry.contentType);
      reply.header('cache-control', 'no-store');
      return metrics.registry.metrics();
    },
  );

  app.get(
    '/api/openapi.json',
    {
      config: { access: 'anyone' },
      schema: {
        summary: 'This description (OpenAPI 3), generated from the route schemas',
        response: withErrors({ 200: Type.Unknown({ description: 'the OpenAPI 3 document' }) }),
      },
    },
    async () => openapi(),
  );
};
