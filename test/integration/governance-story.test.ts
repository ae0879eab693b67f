import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireDue } from '../../src/services/expiry.js';
import { checkStorage } from '../../src/services/storage-check.js';
import type { RunningWorkers } from '../../src/worker/runtime.js';
import { deskFor } from '../helpers/desk.js';
import { addStaff, buildTestApp, createTestEnv, signIn, type TestApp, type TestEnv } from '../helpers/harness.js';
import { startTestWorkers } from '../helpers/workers.js';
import { hasMedia } from '../helpers/stored.js';
import { fixturesDir, makeFixture } from '../helpers/fixtures-media.js';
import { serveFile, startFixtureServer } from '../helpers/fixture-server.js';

// The "done when", on the real parts: an admin sets the reminder, adds a teacher, sets a block rule
// and an expiry default; the teacher vets two videos; a board reports one; the admin resolves it; one
// expires; the admin purges with a dry run first. The audit and incident logs show every step.
// Retention is 0 days here, so the purge takes what is ready at once.
let t: TestEnv;
let app: TestApp;
let workers: RunningWorkers;
let site: Awaited<ReturnType<typeof startFixtureServer>>;

beforeAll(async () => {
  t = await createTestEnv({ PURGE_AFTER_DAYS: '0', JOB_BACKOFF_MS: '100' });
  app = await buildTestApp(t);
  workers = await startTestWorkers(t);
  const dir = await fixturesDir(t);
  const video = await makeFixture('h264', path.join(dir, 'frogs.mp4'), { seconds: 2 });
  site = await startFixtureServer({ '/frogs.mp4': serveFile(video), '/bees.mp4': serveFile(video) });
  await addStaff(t, 'head@school.test', 'admin');
});

afterAll(async () => {
  await workers?.close(1000);
  await app?.close();
  await site?.close();
  await t?.cleanup();
});

async function json(method: string, url: string, cookie: string | undefined, payload?: unknown, expected = 200) {
  const res = await app.inject({ method: method as 'GET', url, headers: cookie ? { cookie } : {}, ...(payload === undefined ? {} : { payload: payload as object }) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(expected);
  return res.json();
}

async function vetted(cookie: string, playlistId: string, file: string) {
  const submitted = await json('POST', '/api/items', cookie, { url: site.url(file), playlistId }, 202);
  const ready = await deskFor(app, cookie).settled(submitted.id, 60_000);
  expect(ready.status, JSON.stringify(ready.error)).toBe('awaiting_review');
  // Not about watching: the reviewer says they watched it elsewhere.
  return json('POST', `/api/items/${ready.id}/approve`, cookie, { acknowledge: ['watched_elsewhere'] });
}

describe('the safeguarding story', () => {
  it('runs end to end and every step is in the audit and incident logs', async () => {
    // 1. The e-safety lead signs in and publishes this term's reminder.
    let head = await signIn(app, 'head@school.test');
    const reminder = await json('PUT', '/api/admin/reminder', head, { text: 'Summer term: watch every video to the end before approving it.' });
    // Writing it does not lock the lead out: everyone (the lead too) acknowledges it at their next sign-in.
    expect((await app.inject({ method: 'GET', url: '/api/admin/users', headers: { cookie: head } })).statusCode).toBe(200);
    await json('POST', '/api/reminder/acknowledge', head, { version: reminder.version });

    // 2. Adds a teacher, a block rule and the school's default expiry.
    const added = await json('POST', '/api/admin/users', head, { email: 'robins.teacher@school.test', role: 'teacher', password: 'frogs leap over the pond at dawn' }, 201);
    await json('POST', '/api/admin/domain-rules', head, { pattern: '*.gambling.test', action: 'block', note: 'never for children' }, 201);
    const settings = await json('PUT', '/api/admin/settings', head, { defaultExpiry: { days: 30 } });
    expect(settings.defaultExpiry).toEqual({ days: 30 });

    // 3. The teacher signs in, reads the new reminder, sets up a class and vets two videos.
    const login = await json('POST', '/api/login', undefined, { email: 'robins.teacher@school.test', password: 'frogs leap over the pond at dawn' });
    expect(login.reminder).toBe('Summer term: watch every video to the end before approving it.');
    const teacher = await signIn(app, 'robins.teacher@school.test', 'frogs leap over the pond at dawn');
    const cls = await json('POST', '/api/classes', teacher, { name: 'Robins' }, 201);
    const playlist = await json('POST', '/api/playlists', teacher, { classId: cls.id, name: 'Minibeasts', kind: 'videos' }, 201);
    const blocked = await app.inject({ method: 'POST', url: '/api/items', headers: { cookie: teacher }, payload: { url: 'https://casino.gambling.test/win.mp4', playlistId: playlist.id } });
    expect(blocked.statusCode).toBe(422);
    expect(blocked.json().error).toMatchObject({ code: 'domain_blocked' });
    expect(blocked.json().error.message).toContain('*.gambling.test');
    const frogs = await vetted(teacher, playlist.id, '/frogs.mp4');
    const bees = await vetted(teacher, playlist.id, '/bees.mp4');
    expect(Math.abs(new Date(frogs.expiresAt).getTime() - (Date.now() + 30 * 86400_000))).toBeLessThan(120_000);
    const board = () => json('GET', `/api/board/${cls.board.token}`, undefined);
    expect((await board()).playlists[0].items.map((i: { id: string }) => i.id).sort()).toEqual([frogs.id, bees.id].sort());

    // 4. A child sees something upsetting; the board's Report button takes the video off at once.
    const report = await json('POST', `/api/board/${cls.board.token}/items/${frogs.id}/report`, undefined, { note: 'A pupil was upset at 0:01' }, 201);
    expect((await board()).playlists[0].items.map((i: { id: string }) => i.id)).toEqual([bees.id]);

    // 5. The e-safety lead sees the report in the queue and removes the video (its media go).
    const queue = await json('GET', '/api/admin/incidents?status=open', head);
    expect(queue.incidents).toHaveLength(1);
    expect(queue.incidents[0]).toMatchObject({ id: report.incident.id, reportedBy: { kind: 'board', label: 'board Robins' }, note: 'A pupil was upset at 0:01' });
    const resolved = await json('POST', `/api/admin/incidents/${report.incident.id}/resolve`, head, { action: 'remove', note: 'Unsuitable: removed and teacher told.' });
    expect(resolved.item.status).toBe('removed');
    expect(await hasMedia(t, frogs.id)).toBe(false);

    // 6. The other video reaches its expiry (set by the teacher) and leaves the board.
    await json('PATCH', `/api/items/${bees.id}`, teacher, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect((await board()).playlists[0].items).toEqual([]);
    expect((await expireDue(t.ctx)).map((i) => i.id)).toEqual([bees.id]);

    // 7. The purge: a dry run first, then for real.
    const dry = await json('POST', '/api/admin/purge', head, { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.items.map((i: { id: string }) => i.id).sort()).toEqual([frogs.id, bees.id].sort());
    expect(dry.items.find((i: { id: string }) => i.id === bees.id).bytes).toBeGreaterThan(1000);
    expect(dry.bytes).toBe(dry.items.reduce((n: number, i: { bytes: number }) => n + i.bytes, 0));
    expect(await hasMedia(t, bees.id)).toBe(true);
    const real = await json('POST', '/api/admin/purge', head, { dryRun: false });
    expect(real.items.map((i: { id: string }) => i.id).sort()).toEqual([frogs.id, bees.id].sort());
    expect(real.bytes).toBe(dry.bytes);
    expect(await checkStorage(t.ctx)).toEqual({ filesWithoutItem: [], itemsWithMissingFiles: [] });

    // 8. The logs tell the story to governors.
    head = await signIn(app, 'head@school.test');
    const audit = (await json('GET', '/api/admin/audit', head)).entries as Array<{ actor: string; action: string; target: string | null; ip: string | null }>;
    const story = audit
      .slice()
      .reverse()
      .filter((e) => !['login', 'reminder.acknowledge', 'class.create', 'playlist.create', 'policy.recheck'].includes(e.action))
      .map((e) => `${e.actor}: ${e.action}`);
    expect(story).toEqual([
      'head@school.test: reminder.update',
      'head@school.test: user.create',
      'head@school.test: rule.create',
      'head@school.test: settings.update',
      'robins.teacher@school.test: item.submit',
      'robins.teacher@school.test: item.approve',
      'robins.teacher@school.test: item.submit',
      'robins.teacher@school.test: item.approve',
      'board Robins: item.report',
      'head@school.test: incident.resolve',
      'head@school.test: item.remove',
      'robins.teacher@school.test: item.edit',
      'system: item.expire',
      'head@school.test: purge.dry_run',
      'head@school.test: purge',
    ]);
    expect(audit.every((e) => e.actor === 'system' || e.ip)).toBe(true);
    expect(audit.filter((e) => e.action === 'login').map((e) => e.actor)).toEqual(
      expect.arrayContaining(['head@school.test', 'robins.teacher@school.test']),
    );
    expect(audit.find((e) => e.action === 'user.create')!.target).toBe(`user:${added.user.id}`);

    const incidents = await app.inject({ method: 'GET', url: '/api/admin/incidents?format=csv', headers: { cookie: head } });
    const rows = incidents.body.trim().split('\r\n');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain('board Robins');
    expect(rows[1]).toContain('A pupil was upset at 0:01');
    expect(rows[1]).toContain('remove,Unsuitable: removed and teacher told.,head@school.test');
    expect(rows[1]).toMatch(/,purged$/);
    const csvAudit = await app.inject({ method: 'GET', url: '/api/admin/audit?format=csv', headers: { cookie: head } });
    expect(csvAudit.body).toContain('purge.dry_run');
  });
});
