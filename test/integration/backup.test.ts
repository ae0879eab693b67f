import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createApiContext } from '../../src/api-context.js';
import { BASE_DATABASE_URL, addStaff, adminQuery, buildTestApp, createTestEnv, makeClassAndPlaylist, signIn, type TestApp, type TestEnv } from '../helpers/harness.js';
import { makeItem } from '../helpers/governance.js';
import { cli } from '../helpers/processes.js';

/**
 * Backup and restore round trip against the real Postgres, with pg_dump/pg_restore and GNU tar:
 * a class, an approved item, its media (byte for byte, shared files included) and the audit log
 * come back in an empty database and data folder; non-empty targets are refused.
 */
let t: TestEnv;
let app: TestApp;
let work: string;
const databases: string[] = [];

async function emptyTarget(): Promise<{ databaseUrl: string; dataDir: string; env: NodeJS.ProcessEnv }> {
  const name = `vetted_r_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  databases.push(name);
  const url = new URL(BASE_DATABASE_URL);
  url.pathname = `/${name}`;
  const dataDir = await mkdtemp(path.join(work, 'target-'));
  return { databaseUrl: url.toString(), dataDir, env: { ...process.env, DATABASE_URL: url.toString(), REDIS_URL: t.config.redisUrl, DATA_DIR: dataDir } };
}

/** Every file under the kept folders, by relative path, with its hash and inode (hard links share one). */
async function tree(dataDir: string): Promise<Map<string, { sha: string; ino: number }>> {
  const out = new Map<string, { sha: string; ino: number }>();
  async function walk(rel: string) {
    for (const e of await readdir(path.join(dataDir, rel), { withFileTypes: true }).catch(() => [])) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) await walk(r);
      else {
        const full = path.join(dataDir, r);
        out.set(r, { sha: createHash('sha256').update(await readFile(full)).digest('hex'), ino: (await stat(full)).ino });
      }
    }
  }
  await walk('media');
  await walk('originals');
  return out;
}

async function auditRows(databaseUrl: string) {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return (await c.query('SELECT * FROM audit_log ORDER BY at, id')).rows as Array<Record<string, unknown> & { action: string }>;
  } finally {
    await c.end();
  }
}

let cookie: string;
let approvedId: string;
let classId: string;
let boardToken: string;

beforeAll(async () => {
  // The archive copies media from DATA_DIR: a local store, whatever TEST_STORAGE says.
  t = await createTestEnv({ STORAGE: 'local' });
  app = await buildTestApp(t);
  work = await mkdtemp(path.join(os.tmpdir(), 'vetted-backup-'));
  await addStaff(t, 'head@school.test', 'admin');
  cookie = await signIn(app, 'head@school.test');
  const made = await makeClassAndPlaylist(app, cookie);
  classId = made.classId;
  boardToken = made.boardToken;
  // An item with media of random bytes, approved through the API (so the audit log records it).
  const item = await makeItem(t, made.playlistId, { status: 'awaiting_review', title: 'Frogspawn in spring' });
  const dir = await t.ctx.store.workDir(item.id, 'random');
  await writeFile(path.join(dir, 'video.mp4'), randomBytes(3 * 1024 * 1024 + 17));
  await writeFile(path.join(dir, 'poster.jpg'), randomBytes(5000));
  await writeFile(path.join(dir, 'thumbnail.jpg'), randomBytes(900));
  await t.ctx.store.publish(item.id, item.media_generation + 1, dir);
  await t.ctx.store.removeOtherGenerations(item.id, item.media_generation + 1);
  await t.ctx.db.updateTable('items').set({ media_generation: item.media_generation + 1 }).where('id', '=', item.id).execute();
  // Watched elsewhere (the test has no player): the approval records how the reviewer qualified.
  const approved = await app.inject({ method: 'POST', url: `/api/items/${item.id}/approve`, headers: { cookie }, payload: { acknowledge: ['watched_elsewhere'] } });
  expect(approved.statusCode).toBe(200);
  approvedId = item.id;
  // A second item sharing the first one's files (hard links), as a repeat submission does.
  const twin = await makeItem(t, made.playlistId, { status: 'awaiting_review', media: false, title: 'Frogspawn again' });
  await t.ctx.store.share(item.id, item.media_generation + 1, twin.id, twin.media_generation);
  // An uploaded original kept for trimming.
  await mkdir(path.join(t.dataDir, 'originals', twin.id), { recursive: true });
  await writeFile(path.join(t.dataDir, 'originals', twin.id, 'source.bin'), randomBytes(100_000));
}, 60_000);

afterAll(async () => {
  await app?.close();
  await t?.cleanup();
  for (const name of databases) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  if (work) await rm(work, { recursive: true, force: true });
});

const sourceEnv = () => ({ ...process.env, DATABASE_URL: t.databaseUrl, REDIS_URL: t.config.redisUrl, DATA_DIR: t.dataDir });

describe('backup and restore', () => {
  it('round-trips the database and the media into an empty database and data folder', async () => {
    const file = path.join(work, 'school.tar');
    const auditBefore = await auditRows(t.databaseUrl);
    expect(auditBefore.map((r) => r.action)).toContain('item.approve');
    const made = await cli(sourceEnv(), ['backup', '--out', file]);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/Wrote .*school\.tar \([\d.]+ MB\): the database \(1 classes, 2 items, \d+ audit entries\) and the media\./);
    // Nothing half-written left beside it.
    expect((await readdir(work)).filter((n) => n.includes('school') || n.startsWith('.vetted-backup'))).toEqual(['school.tar']);

    const target = await emptyTarget();
    const restored = await cli(target.env, ['restore', '--from', file]);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain('Restored the backup of');
    // The audit log, entry for entry (read before anyone signs in to the copy).
    expect(await auditRows(target.databaseUrl)).toEqual(auditBefore);

    // Media byte for byte, and the shared files still one file on disk.
    const before = await tree(t.dataDir);
    const after = await tree(target.dataDir);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [rel, { sha }] of before) expect(after.get(rel)?.sha, rel).toBe(sha);
    const inodes = (m: Map<string, { ino: number }>) => new Set([...m.values()].map((v) => v.ino)).size;
    expect(inodes(after)).toBe(inodes(before));
    expect(before.size).toBeGreaterThan(inodes(before));

    // The restored installation works: sign-in, the class, the approved item on its board, the audit log.
    const config = loadConfig({ DATABASE_URL: target.databaseUrl, REDIS_URL: t.config.redisUrl, DATA_DIR: target.dataDir, QUEUE_PREFIX: `${t.config.queuePrefix}-r`, PUBLIC_URL: t.config.publicUrl });
    const ctx = createApiContext(config, { role: 'api' });
    const restoredApp = await buildApp(ctx);
    try {
      const rcookie = await signIn(restoredApp, 'head@school.test');
      const classes = await restoredApp.inject({ method: 'GET', url: '/api/classes', headers: { cookie: rcookie } });
      expect(JSON.stringify(classes.json())).toContain(classId);
      const board = await restoredApp.inject({ method: 'GET', url: `/api/board/${boardToken}` });
      expect(board.statusCode).toBe(200);
      expect(JSON.stringify(board.json())).toContain(approvedId);
      const media = await restoredApp.inject({ method: 'GET', url: `/api/items/${approvedId}`, headers: { cookie: rcookie } });
      expect(media.json().status).toBe('approved');
    } finally {
      await restoredApp.close();
      await ctx.close();
    }

    // A second restore into what is now a non-empty database is refused with a sentence.
    const again = await cli(target.env, ['restore', '--from', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('The database is not empty');
  }, 120_000);

  it('refuses media folders that already hold files, an existing output file and a file that is no backup', async () => {
    const file = path.join(work, 'second.tar');
    expect((await cli(sourceEnv(), ['backup', '--out', file])).code).toBe(0);
    const exists = await cli(sourceEnv(), ['backup', '--out', file]);
    expect(exists.code).toBe(1);
    expect(exists.stderr).toContain('already exists');

    const target = await emptyTarget();
    await mkdir(path.join(target.dataDir, 'media', 'something'), { recursive: true });
    const busy = await cli(target.env, ['restore', '--from', file]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('already holds files: a backup is restored only into an empty DATA_DIR');
    // Refused before anything was written: the database is still empty.
    const c = new pg.Client({ connectionString: target.databaseUrl });
    await c.connect();
    expect((await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).rows[0].n).toBe(0);
    await c.end();

    const notBackup = path.join(work, 'not-a-backup.tar');
    await writeFile(notBackup, 'hello');
    const wrong = await cli((await emptyTarget()).env, ['restore', '--from', notBackup]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('is not a Vetted backup');
  }, 120_000);

  it('--no-media keeps the database only', async () => {
    const file = path.join(work, 'db-only.tar');
    const made = await cli(sourceEnv(), ['backup', '--out', file, '--no-media']);
    expect(made.code).toBe(0);
    expect(made.stdout).toContain('without the media');
    const target = await emptyTarget();
    const restored = await cli(target.env, ['restore', '--from', file]);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain('(no media in this backup)');
    expect((await tree(target.dataDir)).size).toBe(0);
    const c = new pg.Client({ connectionString: target.databaseUrl });
    await c.connect();
    expect((await c.query("SELECT status FROM items WHERE id = $1", [approvedId])).rows[0].status).toBe('approved');
    await c.end();
  }, 120_000);
});
