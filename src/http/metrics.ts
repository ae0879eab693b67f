import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../api-context.js';
import { STAGE_NAMES, STAGES } from '../queue/jobs.js';

/**
 * Prometheus metrics for the IT person's monitoring. Per API process: HTTP latency and the Node
 * runtime. Shared by all processes and read at scrape time: jobs by stage and outcome and encode
 * seconds (counters the workers keep in Redis), queue depth (BullMQ), bytes stored and items by
 * status (Postgres). One registry per app, so several apps in one process (tests) do not collide.
 */
export function createMetrics(ctx: AppContext) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vetted_api_' });
  const stats = ctx.repos.opsStats;

  const http = new Histogram({
    name: 'vetted_http_request_duration_seconds',
    help: 'HTTP request latency by route (the route pattern, never the path with its ids or tokens)',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  // Counters whose values live in Redis: each scrape sets them to the shared totals.
  const shared = (name: string, help: string, labelNames: string[], fill: (c: Counter<string>, totals: Record<string, number>) => void) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const totals = await ctx.producer.readMetrics().catch(() => ({}));
        this.reset();
        fill(this, totals);
      },
    });
  shared('vetted_jobs_total', 'Job runs by stage and outcome (done, skipped, retried, failed, aborted), all workers', ['stage', 'outcome'], (c, totals) => {
    for (const [key, value] of Object.entries(totals)) {
      const [kind, stage, outcome] = key.split(':');
      if (kind === 'jobs' && stage && outcome) c.inc({ stage, outcome }, value);
    }
  });
  shared('vetted_encode_seconds_total', 'Seconds spent in ffmpeg making the video, by plan (copy or transcode), all workers', ['plan'], (c, totals) => {
    for (const [key, value] of Object.entries(totals)) {
      const [kind, plan] = key.split(':');
      if (kind === 'encode_seconds' && plan) c.inc({ plan }, value);
    }
  });
  shared('vetted_encodes_total', 'Videos made, by plan (copy or transcode), all workers', ['plan'], (c, totals) => {
    for (const [key, value] of Object.entries(totals)) {
      const [kind, plan] = key.split(':');
      if (kind === 'encodes' && plan) c.inc({ plan }, value);
    }
  });

  new Gauge({
    name: 'vetted_queue_jobs',
    help: 'Jobs in the queues by stage and state (waiting, active, delayed, failed)',
    labelNames: ['stage', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const stage of STAGE_NAMES) {
        const counts = await ctx.producer
          .queueFor(stage)
          .getJobCounts('waiting', 'active', 'delayed', 'failed')
          .catch(() => undefined);
        if (!counts) continue;
        for (const [state, n] of Object.entries(counts)) this.set({ stage: STAGES[stage].queue, state }, n);
      }
    },
  });
  new Gauge({
    name: 'vetted_stored_bytes',
    help: 'Bytes of published media',
    registers: [registry],
    async collect() {
      const bytes = await stats.storedBytes().catch(() => undefined);
      if (bytes !== undefined) this.set(bytes);
    },
  });
  new Gauge({
    name: 'vetted_items',
    help: 'Items by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const rows = await stats.itemsByStatus().catch(() => []);
      this.reset();
      for (const r of rows) this.set({ status: r.status }, r.count);
    },
  });

  return {
    registry,
    /** On the root instance, so the hook sees every route (a plugin's hooks stay inside it). */
    install(app: FastifyInstance) {
      // A plain callback: it runs after every answer and has nothing to wait for.
      app.addHook('onResponse', (request, reply, done) => {
        // Unmatched URLs share one label, so a scanner cannot blow up the series count.
        const route = request.routeOptions.url ?? 'unmatched';
        http.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
        done();
      });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Who may read /metrics: with METRICS_TOKEN set, whoever sends it as a bearer token; without one,
 * only a client on this machine connecting directly (not through a reverse proxy, whose own
 * loopback connection would otherwise open the metrics to the world).
 */
export function mayReadMetrics(request: FastifyRequest, token: string | undefined): boolean {
  if (token) {
    const sent = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
    const a = Buffer.from(sent);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }
  const proxied = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined || request.headers['x-real-ip'] !== undefined;
  return !proxied && LOOPBACK.has(request.socket.remoteAddress ?? '');
}
