import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createWorkerContext, type WorkerContext } from '../../src/worker/context.js';
import { migrateToLatest } from '../../src/db/database.js';
import { STAGE_NAMES } from '../../src/queue/jobs.js';
import type { Radosgw } from './radosgw.js';
import { createBucket, dropBucket, s3Env, testGateway } from './s3.js';

/**
 * Each test file gets its own database (created from scratch and migrated), its own queue prefix
 * in Redis and its own data folder, so files can run side by side against the real services.
 */
export const BASE_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export interface TestEnv {
  config: Readonly<Config>;
  ctx: WorkerContext;
  databaseUrl: string;
  dataDir: string;
  /** The variables this environment was made from, for child processes (API, worker, CLI) to share it. */
  env: Record<string, string>;
  /** Set when media are in a bucket of the test S3 gateway. */
  s3?: { gateway: Radosgw; bucket: string };
  cleanup(): Promise<void>;
}

/**
 * `TEST_STORAGE=s3 npx vitest run …` runs a suite with its media in a bucket of the real S3 gateway
 * (test/helpers/radosgw.ts) instead of on disk; a test may also ask for it with `{ STORAGE: 's3' }`.
 */
export const TEST_STORAGE = process.env.TEST_STORAGE === 's3' ? 's3' : 'local';

/** A statement on the base database (creating and dropping the per-file databases). */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: BASE_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createTestEnv(env: Record<string, string> = {}): Promise<TestEnv> {
  const suffix = randomBytes(5).toString('hex');
  const dbName = `vetted_t_${suffix}`;
  await adminQuery(`CREATE DATABASE ${dbName}`);
  const url = new URL(BASE_DATABASE_URL);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vetted-test-'));
  let s3: TestEnv['s3'];
  if ((env.STORAGE ?? TEST_STORAGE) === 's3') {
    s3 = { gateway: await testGateway(), bucket: `vt-${suffix}` };
    await createBucket(s3.gateway, s3.bucket);
  }
  const vars: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    DATA_DIR: dataDir,
    QUEUE_PREFIX: `vt-${suffix}`,
    FETCH_ALLOW_PRIVATE: '127.0.0.1',
    PUBLIC_URL: 'http://127.0.0.1:3000',
    FETCH_IDLE_TIMEOUT_MS: '3000',
    FETCH_CONNECT_TIMEOUT_MS: '3000',
    // Tests never reach the internet: an update of yt-dlp that nobody set up meets a closed loopback port.
    YTDLP_RELEASE_URL: 'http://127.0.0.1:9/no-release',
    ...(s3 ? s3Env(s3.gateway, s3.bucket) : {}),
    ...env,
  };
  const config = loadConfig({ ...vars, PATH: process.env.PATH });
  const ctx = createWorkerContext(config);
  await migrateToLatest(ctx.db);
  return {
    config,
    ctx,
    databaseUrl,
    dataDir,
    env: vars,
    s3,
    async cleanup() {
      // Drop this file's queues so Redis does not fill with test keys.
      for (const stage of STAGE_NAMES) {
        await ctx.producer.queueFor(stage).obliterate({ force: true }).catch(() => undefined);
      }
      await ctx.close();
      await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await rm(dataDir, { recursive: true, force: true });
      if (s3) await dropBucket(s3.gateway, s3.bucket);
    },
  };
}

/**
 * The environment of an API, worker or CLI process a test starts beside itself (test/helpers/processes.ts): the
 * test's database, queue prefix and data folder, quick job timings (a killed worker's job is taken over in seconds),
 * and no migrations of its own.
 */
export function childEnv(t: TestEnv, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...t.env, JOB_LOCK_MS: '2000', JOB_BACKOFF_MS: '100', SHUTDOWN_GRACE_MS: '2000', VETTED_SKIP_MIGRATE: '1', ...extra };
}

export async function buildTestApp(t: TestEnv) {
  // Every answer is checked against what its handler returned: a response schema must not drop a field.
  return buildApp(t.ctx, { checkAnswers: true });
}

export type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

export async function addStaff(t: TestEnv, email: string, role: 'teacher' | 'admin' = 'teacher', password = 'correct horse battery') {
  await t.ctx.repos.users.create(email, await hashPassword(password), role);
  return { email, password };
}

/** Signs in and acknowledges the reminder; returns the cookie header to send. */
export async function signIn(app: TestApp, email: string, password = 'correct horse battery', acknowledge = true): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'vetted_session');
  if (!cookie) throw new Error('no session cookie');
  const header = `vetted_session=${cookie.value}`;
  if (acknowledge) await acknowledgeReminder(app, header, res.json().reminderVersion);
  return header;
}

/** Acknowledges the e-safety reminder for a session: the given version, or the one `/api/me` asks for. */
export async function acknowledgeReminder(app: TestApp, cookie: string, version?: number): Promise<void> {
  const asked = version ?? (await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).json().reminderVersion;
  const ack = await app.inject({ method: 'POST', url: '/api/reminder/acknowledge', headers: { cookie }, payload: { version: asked } });
  if (ack.statusCode !== 200) throw new Error(`acknowledge failed: ${ack.body}`);
}

/** A class with one playlist, made through the API. */
export async function makeClassAndPlaylist(app: TestApp, cookie: string, kind: 'videos' | 'sites' = 'videos') {
  const cls = await app.inject({ method: 'POST', url: '/api/classes', headers: { cookie }, payload: { name: 'Robins' } });
  const classBody = cls.json();
  const pl = await app.inject({
    method: 'POST',
    url: '/api/playlists',
    headers: { cookie },
    payload: { classId: classBody.id, name: 'Minibeasts', kind },
  });
  return { classId: classBody.id as string, boardToken: classBody.board.token as string, playlistId: pl.json().id as string };
}

export async function waitFor<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, stepMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** The usual teacher (teacher@school.test), added and signed in with the reminder read: the cookie header. */
export async function signInTeacher(t: TestEnv, app: TestApp): Promise<string> {
  await addStaff(t, 'teacher@school.test');
  return signIn(app, 'teacher@school.test');
}

/** The usual pair for access tests: an e-safety lead and a teacher, both signed in with the reminder read. */
export async function signInAdminAndTeacher(t: TestEnv, app: TestApp): Promise<{ admin: string; teacher: string }> {
  await addStaff(t, 'head@school.test', 'admin');
  await addStaff(t, 'teacher@school.test');
  return { admin: await signIn(app, 'head@school.test'), teacher: await signIn(app, 'teacher@school.test') };
}
