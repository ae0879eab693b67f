import { writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createApiContext } from '../../src/api-context.js';
import { routeTableOf } from '../../src/http/route-table.js';
import { startWorkers, type RunningWorkers } from '../../src/worker/runtime.js';
import { buildTestApp, createTestEnv, waitFor, type TestApp, type TestEnv } from '../helpers/harness.js';

let t: TestEnv;
let app: TestApp;
let workers: RunningWorkers;

beforeAll(async () => {
  t = await createTestEnv();
  app = await buildTestApp(t);
  // A real worker: its scheduled expiry job runs at start, so the shared job counters have something to show.
  workers = await startWorkers(t.ctx, { log: { info: () => undefined, error: () => undefined } });
});

afterAll(async () => {
  await workers?.close(1000);
  await app?.close();
  await t?.cleanup();
});

/** The same installation as `t`, with some settings changed (for parts that do not answer, a token). */
async function variant(env: Record<string, string>) {
  const config = loadConfig({
    DATABASE_URL: t.databaseUrl,
    REDIS_URL: t.config.redisUrl,
    DATA_DIR: t.dataDir,
    QUEUE_PREFIX: t.config.queuePrefix,
    PUBLIC_URL: t.config.publicUrl,
    ...env,
  });
  const ctx = createApiContext(config, { role: 'api' });
  const other = await buildApp(ctx);
  return { app: other, close: async () => (await other.close(), await ctx.close()) };
}

describe('health and readiness', () => {
  it('GET /healthz answers while the process lives', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 when the database, Redis and storage answer', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok', storage: 'ok' } });
  });

  it('GET /readyz is 503 naming the parts that do not answer', async () => {
    // Redis on a loopback port where nothing listens; a data folder that is a file, not a folder.
    const notAFolder = path.join(os.tmpdir(), `vetted-not-a-folder-${process.pid}`);
    await writeFile(notAFolder, 'x');
    const broken = await variant({ REDIS_URL: 'redis://127.0.0.1:1', DATA_DIR: notAFolder });
    try {
      const started = Date.now();
      const res = await broken.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({
        error: { code: 'not_ready', message: 'Not ready: Redis (the job queue) and the media storage do not answer.' },
        checks: { database: 'ok', redis: 'failing', storage: 'failing' },
      });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await broken.close();
      await rm(notAFolder, { force: true });
    }
  });

  it('GET /readyz is 503 naming the database when it is gone', async () => {
    // A database of its own that is dropped (connections ended) once the app is up.
    const name = `vetted_gone_${process.pid}`;
    const admin = new pg.Client({ connectionString: t.databaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const broken = await variant({ DATABASE_URL: t.databaseUrl.replace(/vetted_t_\w+/, name) });
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
    try {
      const res = await broken.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.message).toBe('Not ready: the database does not answer.');
      expect(res.json().checks).toEqual({ database: 'failing', redis: 'ok', storage: 'ok' });
    } finally {
      await broken.close();
    }
  });
});

describe('metrics', () => {
  it('serves Prometheus text on loopback: HTTP latency by route, jobs by stage and outcome, queue depth, bytes stored', async () => {
    await app.inject({ method: 'GET', url: '/healthz' });
    await app.inject({ method: 'GET', url: '/api/items/00000000-0000-0000-0000-000000000000' });
    const body = await waitFor(async () => {
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      return res.body.includes('vetted_jobs_total{stage="expire"') ? res : undefined;
    }, 15_000, 200);
    expect(body.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = body.body;
    expect(text).toMatch(/vetted_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/healthz",status_code="200"\} \d+/);
    // Route patterns, never the ids in the path.
    expect(text).toContain('route="/api/items/:id",status_code="401"');
    expect(text).not.toContain('00000000-0000-0000-0000-000000000000');
    expect(text).toMatch(/vetted_jobs_total\{stage="expire",outcome="(done|skipped)"\} [1-9]/);
    expect(text).toMatch(/vetted_queue_jobs\{stage="media",state="waiting"\} 0/);
    expect(text).toMatch(/vetted_stored_bytes 0/);
    expect(text).toContain('# TYPE vetted_encode_seconds_total counter');
    expect(text).toContain('vetted_api_process_resident_memory_bytes');
  });

  it('counts encode seconds recorded by any worker, read from the shared counters', async () => {
    t.ctx.producer.recordEncode('transcode', 2.5);
    const text = await waitFor(async () => {
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      return res.body.includes('vetted_encodes_total{plan="transcode"} 1') ? res.body : undefined;
    }, 5000, 100);
    expect(text).toContain('vetted_encode_seconds_total{plan="transcode"} 2.5');
  });

  it('refuses other machines and anything that came through a proxy when no token is set', async () => {
    const remote = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.7' });
    expect(remote.statusCode).toBe(403);
    expect(remote.json().error.code).toBe('metrics_forbidden');
    expect(remote.json().error.message).toContain('METRICS_TOKEN');
    const proxied = await app.inject({ method: 'GET', url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(proxied.statusCode).toBe(403);
  });

  it('with METRICS_TOKEN: the bearer token opens it from anywhere; none or a wrong one is refused, loopback included', async () => {
    const token = 'a-metrics-token-long-enough';
    const guarded = await variant({ METRICS_TOKEN: token });
    try {
      expect((await guarded.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(403);
      expect((await guarded.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong-token-of-some-length' } })).statusCode).toBe(403);
      const ok = await guarded.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.7', headers: { authorization: `Bearer ${token}` } });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('vetted_http_request_duration_seconds');
    } finally {
      await guarded.close();
    }
  });

  it('refuses a METRICS_TOKEN too short to be a secret', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 16 characters/);
  });
});

describe('OpenAPI description', () => {
  it('GET /api/openapi.json describes every route the app registers', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const spec = res.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(spec.openapi).toMatch(/^3\./);
    const routes = routeTableOf(app).filter((r) => r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(40);
    const missing = routes.filter((r) => {
      const p = r.url.replace(/:(\w+)/g, '{$1}');
      return !spec.paths[p]?.[r.method.toLowerCase()];
    });
    expect(missing.map((r) => `${r.method} ${r.url}`)).toEqual([]);
    // Every route declares its answers (src/http/contract/): a success and the error shape {error: {code, message}}.
    const undeclared = routes.filter((r) => {
      const op = spec.paths[r.url.replace(/:(\w+)/g, '{$1}')]?.[r.method.toLowerCase()] as { responses?: Record<string, unknown> };
      const codes = Object.keys(op.responses ?? {});
      return !codes.some((c) => /^[23]/.test(c)) || !codes.includes('4XX') || !codes.includes('5XX');
    });
    expect(undeclared.map((r) => `${r.method} ${r.url}`)).toEqual([]);
    const errorShape = (spec.paths['/api/items/{id}']?.get as { responses: Record<string, { content: Record<string, { schema: { properties: object } }> }> })
      .responses['4XX']?.content['application/json']?.schema.properties;
    expect(Object.keys(errorShape ?? {})).toEqual(['error']);
    const item = (spec.paths['/api/items/{id}']?.get as { responses: Record<string, { content: Record<string, { schema: { properties: object } }> }> })
      .responses['200']?.content['application/json']?.schema.properties;
    expect(Object.keys(item ?? {})).toEqual(expect.arrayContaining(['id', 'status', 'media', 'checks', 'source', 'error']));
    // Parameters and bodies come from the route schemas.
    const login = spec.paths['/api/login']?.post as { requestBody?: { content?: Record<string, { schema?: { properties?: object } }> } };
    expect(Object.keys(login.requestBody?.content?.['application/json']?.schema?.properties ?? {})).toEqual(expect.arrayContaining(['email', 'password']));
    const ready = spec.paths['/readyz']?.get as { responses?: Record<string, unknown> };
    expect(Object.keys(ready.responses ?? {})).toEqual(expect.arrayContaining(['200', '503']));
  });
});
