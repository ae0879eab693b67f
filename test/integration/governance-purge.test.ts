import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemStatus } from '../../src/domain/item-state.js';
import { EXPIRY_EVERY_MS, SCHEDULER_IDS } from '../../src/worker/schedules.js';
import { purge } from '../../src/services/purge.js';
import { checkStorage } from '../../src/services/storage-check.js';
import { HANDLERS } from '../../src/worker/handlers/index.js';
import { addStaff, buildTestApp, childEnv, createTestEnv, makeClassAndPlaylist, signIn, type TestApp, type TestEnv } from '../helpers/harness.js';
import { startTestWorkers } from '../helpers/workers.js';
import { auditActions, backdate, makeItem } from '../helpers/governance.js';
import { cli as runCli } from '../helpers/processes.js';
import { hasMedia } from '../helpers/stored.js';

// The purge: what it deletes and keeps, its dry run, a purge killed half-way and run again, two purges at
// once, the storage check (API and CLI), and the scheduled jobs. Retention is the default 30 days.
let t: TestEnv;
let app: TestApp;
let admin: string;
let playlistId: string;
const system = { kind: 'system' as const, id: null };

beforeAll(async () => {
  t = await createTestEnv();
  app = await buildTestApp(t);
  await addStaff(t, 'head@school.test', 'admin');
  admin = await signIn(app, 'head@school.test');
  playlistId = (await makeClassAndPlaylist(app, admin)).playlistId;
});

afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

const exists = async (id: string) => (await t.ctx.repos.items.get(id)) !== undefined;

/** Items that must survive every purge below. */
async function keepers() {
  return [
    await makeItem(t, playlistId, { status: 'expired', ageDays: 5 }),
    await makeItem(t, playlistId, { status: 'approved', ageDays: 100 }),
    await makeItem(t, playlistId, { status: 'quarantined', ageDays: 100 }),
    await makeItem(t, playlistId, { status: 'awaiting_review', ageDays: 100 }),
    await makeItem(t, playlistId, { status: 'rejected', ageDays: 29 }),
  ];
}

async function purgeable(statuses: ItemStatus[]) {
  const out = [];
  for (const status of statuses) {
    out.push(await makeItem(t, playlistId, { status, ageDays: 40, media: status !== 'failed' && status !== 'removed', title: `old ${status}` }));
  }
  return out;
}

describe('the purge', () => {
  it('a dry run lists exactly what would go and the bytes it frees, and deletes nothing', async () => {
    const keep = await keepers();
    const old = await purgeable(['expired', 'rejected', 'failed', 'removed']);
    const res = await app.inject({ method: 'POST', url: '/api/admin/purge', headers: { cookie: admin }, payload: { dryRun: true } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.dryRun).toBe(true);
    expect(body.items.map((i: { id: string }) => i.id).sort()).toEqual(old.map((i) => i.id).sort());
    expect(body.items.find((i: { id: string }) => i.id === old[0]!.id)).toEqual({ id: old[0]!.id, title: 'old expired', status: 'expired', bytes: 1250 });
    expect(body.bytes).toBe(2500);
    for (const i of [...keep, ...old]) expect(await exists(i.id)).toBe(true);
    expect(await hasMedia(t, old[0]!.id)).toBe(true);
    const entry = (await auditActions(app, admin, 'action=purge.dry_run'))[0]!;
    expect(entry).toMatchObject({ actor: 'head@school.test', detail: { count: 4, bytes: 2500, retentionDays: 30 } });

    // The dry run moves no progress bar; the real run reports each item, ending at all of them.
    const progressOf = async () => (await app.inject({ method: 'GET', url: '/api/admin/purge/progress', headers: { cookie: admin } })).json();
    expect(await progressOf()).toEqual({ running: false, done: 0, total: 0 });
    const seen: Array<[number, number]> = [];
    const real = (await app.inject({ method: 'POST', url: '/api/admin/purge', headers: { cookie: admin }, payload: { dryRun: false } })).json();
    expect(await progressOf()).toEqual({ running: false, done: 4, total: 4 });
    await purge(t.ctx, { dryRun: true, actor: system, onProgress: (d, n) => void seen.push([d, n]) });
    expect(seen).toEqual([[0, 0]]);
    expect(real.items.map((i: { id: string }) => i.id).sort()).toEqual(old.map((i) => i.id).sort());
    expect(real.bytes).toBe(2500);
    for (const i of old) {
      expect(await exists(i.id)).toBe(false);
      expect(await hasMedia(t, i.id)).toBe(false);
    }
    for (const i of keep) {
      expect(await exists(i.id)).toBe(true);
      expect(await hasMedia(t, i.id)).toBe(true);
    }
    expect((await auditActions(app, admin, 'action=purge'))[0]!.detail).toMatchObject({ count: 4, bytes: 2500, complete: true });
    const again = await purge(t.ctx, { dryRun: false, actor: system });
    expect(again.items).toEqual([]);
    expect(await checkStorage(t.ctx)).toEqual({ filesWithoutItem: [], itemsWithMissingFiles: [] });
  });

  it('keeps the incident log after the item is purged', async () => {
    const item = await makeItem(t, playlistId, { title: 'Scary dinosaurs' });
    const report = await app.inject({ method: 'POST', url: `/api/items/${item.id}/report`, headers: { cookie: admin }, payload: { note: 'too scary' } });
    const incident = report.json().incident;
    await app.inject({ method: 'POST', url: `/api/admin/incidents/${incident.id}/resolve`, headers: { cookie: admin }, payload: { action: 'remove', note: 'removed' } });
    await backdate(t, item.id, 31);
    expect((await purge(t.ctx, { dryRun: false, actor: system })).items.map((i) => i.id)).toEqual([item.id]);
    const kept = (await app.inject({ method: 'GET', url: `/api/admin/incidents/${incident.id}`, headers: { cookie: admin } })).json().incident;
    expect(kept).toMatchObject({
      note: 'too scary',
      item: { id: item.id, title: 'Scary dinosaurs', url: item.url, statusBefore: 'approved', statusNow: null, className: 'Robins' },
      resolution: { action: 'remove', note: 'removed' },
    });
    const csv = (await app.inject({ method: 'GET', url: '/api/admin/incidents?format=csv', headers: { cookie: admin } })).body;
    expect(csv).toContain('Scary dinosaurs');
    expect(csv).toContain(',purged');
    expect((await auditActions(app, admin, `target=item:${item.id}`))[0]!.targetLabel).toBe('Scary dinosaurs (purged)');
  });

  it('killed half-way, it leaves rows whose files are gone (never files without rows) and the next run finishes', async () => {
    const keep = await keepers();
    const old = await purgeable(['expired', 'rejected', 'expired', 'rejected']);
    const crash = new Error('power cut');
    await expect(
      purge(t.ctx, {
        dryRun: false,
        actor: system,
        afterFilesRemoved: (_item, index) => {
          if (index === 1) throw crash;
        },
      }),
    ).rejects.toThrow('power cut');
    // The first item went completely; the second lost its files but its row is still there.
    expect(await exists(old[0]!.id)).toBe(false);
    expect(await hasMedia(t, old[0]!.id)).toBe(false);
    expect(await exists(old[1]!.id)).toBe(true);
    expect(await hasMedia(t, old[1]!.id)).toBe(false);
    const mid = await checkStorage(t.ctx);
    expect(mid.filesWithoutItem).toEqual([]);
    expect(mid.itemsWithMissingFiles.map((i) => i.itemId)).toEqual([old[1]!.id]);
    expect((await auditActions(app, admin, 'action=purge'))[0]!.detail).toMatchObject({ count: 1, complete: false });

    const rerun = await purge(t.ctx, { dryRun: false, actor: system });
    expect(rerun.items.map((i) => i.id).sort()).toEqual(old.slice(1).map((i) => i.id).sort());
    for (const i of old) expect(await exists(i.id)).toBe(false);
    for (const i of keep) {
      expect(await exists(i.id)).toBe(true);
      expect(await hasMedia(t, i.id)).toBe(true);
    }
    expect(await checkStorage(t.ctx)).toEqual({ filesWithoutItem: [], itemsWithMissingFiles: [] });
  });

  it('two purges at once share the work: each item is deleted once, nothing is left, nothing kept is lost', async () => {
    const keep = await keepers();
    const old = await purgeable(Array.from({ length: 12 }, (_, i) => (['expired', 'rejected', 'failed', 'removed'] as const)[i % 4]!));
    // Each deletion holds its row a moment, so the two purges really overlap.
    const slow = { dryRun: false, actor: system, afterFilesRemoved: () => new Promise<void>((r) => setTimeout(r, 25)) };
    const [a, b] = await Promise.all([purge(t.ctx, slow), purge(t.ctx, slow)]);
    expect(a.items.length).toBeGreaterThan(0);
    expect(b.items.length).toBeGreaterThan(0);
    const ids = [...a.items, ...b.items].map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(old.map((i) => i.id).sort());
    expect(a.bytes + b.bytes).toBe(6 * 1250);
    for (const i of old) expect(await exists(i.id)).toBe(false);
    for (const i of keep) expect(await exists(i.id)).toBe(true);
    expect(await checkStorage(t.ctx)).toEqual({ filesWithoutItem: [], itemsWithMissingFiles: [] });
  });
});

describe('the storage check', () => {
  const cli = (...args: string[]) => runCli(childEnv(t), args);

  it('lists files with no item and items with missing files; --fix removes only the former', async () => {
    const clean = await cli('storage', 'check');
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain('Files with no item: 0');
    expect(clean.stdout).toContain('Items with missing files: 0');

    const orphan = '11111111-1111-4111-8111-111111111111';
    const left = path.join(t.dataDir, 'left-behind');
    await mkdir(left, { recursive: true });
    await writeFile(path.join(left, 'video.mp4'), 'left behind');
    await t.ctx.store.publish(orphan, 0, left);
    const broken = await makeItem(t, playlistId);
    await t.ctx.store.removeItem(broken.id);
    const api = (await app.inject({ method: 'GET', url: '/api/admin/storage', headers: { cookie: admin } })).json();
    expect(api.filesWithoutItem).toEqual([{ itemId: orphan, area: 'media' }]);
    expect(api.itemsWithMissingFiles).toEqual([{ itemId: broken.id, title: 'Counting with frogs', status: 'approved', missing: ['video.mp4', 'poster.jpg', 'thumbnail.jpg'] }]);

    const dirty = await cli('storage', 'check');
    expect(dirty.code).toBe(1);
    expect(dirty.stdout).toContain(`media/${orphan}`);
    expect(dirty.stdout).toContain(broken.id);
    await cli('storage', 'check', '--fix');
    expect(await hasMedia(t, orphan)).toBe(false);
    expect(await exists(broken.id)).toBe(true);
  });
});

describe('scheduled jobs', () => {
  it('the worker declares the expiry (every minute) and purge (PURGE_CRON) schedules, and runs their handlers', async () => {
    const workers = await startTestWorkers(t);
    try {
      const purgeSchedulers = await t.ctx.producer.queueFor('purge').getJobSchedulers();
      expect(purgeSchedulers).toContainEqual(expect.objectContaining({ key: SCHEDULER_IDS.purge, pattern: '30 2 * * *' }));
      const expirySchedulers = await t.ctx.producer.queueFor('expire').getJobSchedulers();
      expect(expirySchedulers).toContainEqual(expect.objectContaining({ key: SCHEDULER_IDS.expire, every: EXPIRY_EVERY_MS }));
    } finally {
      await workers.close(1000);
    }
    const old = await purgeable(['expired']);
    expect(await HANDLERS.purge(t.ctx, {}, new AbortController().signal)).toBe('done');
    expect(await exists(old[0]!.id)).toBe(false);
    expect((await auditActions(app, admin, 'action=purge'))[0]).toMatchObject({ actor: 'system' });
    const due = await makeItem(t, playlistId, { expiresAt: new Date(Date.now() - 1000) });
    expect(await HANDLERS.expire(t.ctx, {}, new AbortController().signal)).toBe('done');
    expect((await t.ctx.repos.items.get(due.id))!.status).toBe('expired');
  });
});
