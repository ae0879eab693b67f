/**
 * The attacks of issue 9, replayed against the running API with its own database. Each was reproduced before
 * the fix; each must now be refused with a clear 4xx or handled without loss.
 */
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { checkStorage, removeFilesWithoutItem } from '../../src/services/storage-check.js';
import { runFetchStage } from '../../src/worker/stages/fetch.js';
import { uploadVideo } from '../../src/services/uploads.js';
import { addStaff, buildTestApp, createTestEnv, makeClassAndPlaylist, signIn, type TestApp, type TestEnv } from '../helpers/harness.js';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { auditActions, makeItem } from '../helpers/governance.js';

let t: TestEnv;
let app: TestApp;
let admin: string;
let teacher: string;
let robins: Awaited<ReturnType<typeof makeClassAndPlaylist>>;

beforeAll(async () => {
  t = await createTestEnv();
  app = await buildTestApp(t);
  await addStaff(t, 'head@school.test', 'admin');
  await addStaff(t, 'teacher@school.test');
  admin = await signIn(app, 'head@school.test');
  teacher = await signIn(app, 'teacher@school.test');
  robins = await makeClassAndPlaylist(app, teacher);
});

afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

const inject = (method: string, url: string, payload?: unknown, cookie = teacher, extra: Record<string, string> = {}) =>
  app.inject({ method: method as 'GET', url, headers: { cookie, ...extra }, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('1. block rules and host names the normaliser cannot read', () => {
  let site: Awaited<ReturnType<typeof startFixtureServer>>;
  beforeAll(async () => {
    site = await startFixtureServer({});
    await inject('POST', '/api/admin/domain-rules', { pattern: 'badsite.example', action: 'block' }, admin);
  });
  afterAll(async () => {
    await inject('DELETE', `/api/admin/domain-rules/${(await inject('GET', '/api/admin/domain-rules', undefined, admin)).json().rules[0].id}`, undefined, admin);
    await site?.close();
  });

  it('a submitted link under the blocked domain with an odd name is refused, and no row is left', async () => {
    const before = (await t.ctx.repos.items.listByPlaylist(robins.playlistId)).length;
    for (const url of [
      'http://x_y.badsite.example/clip.mp4',
      'http://-x.badsite.example/clip.mp4',
      'http://x-.badsite.example/clip.mp4',
      `http://${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.badsite.example/clip.mp4`,
      'http://X_Y.BADSITE.EXAMPLE./clip.mp4',
    ]) {
      const res = await inject('POST', '/api/items', { url, playlistId: robins.playlistId });
      expect(res.statusCode, url).toBe(422);
      expect(res.json().error.code, url).toBe('domain_blocked');
    }
    // An odd name elsewhere is refused too while rules apply: no filter can read it for sure.
    const odd = await inject('POST', '/api/items', { url: 'http://x_y.elsewhere.example/clip.mp4', playlistId: robins.playlistId });
    expect(odd.statusCode).toBe(422);
    expect(odd.json().error.code).toBe('host_unreadable');
    expect((await t.ctx.repos.items.listByPlaylist(robins.playlistId)).length).toBe(before);
  });

  it('a redirect to such a name is refused at that hop', async () => {
    site.routes['/hop.mp4'] = (_req, res) => res.writeHead(302, { location: `http://x_y.badsite.example:${site.port}/clip.mp4` }).end();
    const item = await makeItem(t, robins.playlistId, { status: 'queued', url: site.url('/hop.mp4'), media: false });
    const error = await runFetchStage(t.ctx, item.id, new AbortController().signal).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'domain_blocked', transient: false });
  });

  it('the re-check after a policy change finds live items under such names', async () => {
    const live = await makeItem(t, robins.playlistId, { status: 'approved', url: 'http://x_y.later.example/clip.mp4' });
    const res = await inject('POST', '/api/admin/domain-rules', { pattern: 'later.example', action: 'block' }, admin);
    expect(res.json().recheck.quarantined.map((i: { id: string }) => i.id)).toContain(live.id);
    expect((await t.ctx.repos.items.get(live.id))!.status).toBe('quarantined');
  });
});

describe('2. a re-trim never takes an approved item off the board', () => {
  const boardIds = async () =>
    ((await app.inject({ method: 'GET', url: `/api/board/${robins.boardToken}` })).json().playlists as Array<{ items: Array<{ id: string }> }>).flatMap((p) => p.items.map((i) => i.id));

  it('the source has gone: the approved copy stays live and approved; the failure is on the draft', async () => {
    const site = await startFixtureServer({});
    try {
      const live = await makeItem(t, robins.playlistId, { status: 'approved', url: site.url('/removed-by-now.mp4') });
      const res = await inject('POST', `/api/items/${live.id}/reprocess`, { startSeconds: 1, endSeconds: 2 });
      expect(res.statusCode).toBe(202);
      const draft = res.json();
      expect(draft.id).not.toBe(live.id);
      expect(draft).toMatchObject({ status: 'queued', startSeconds: 1, endSeconds: 2, details: expect.objectContaining({ remakeOf: live.id }) });
      // Nothing about the live item changed: status, generation, media, place on the board.
      const still = (await t.ctx.repos.items.get(live.id))!;
      expect(still).toMatchObject({ status: 'approved', media_generation: live.media_generation, start_seconds: null });
      expect(await boardIds()).toContain(live.id);
      const error = (await runFetchStage(t.ctx, draft.id, new AbortController().signal).catch((e: unknown) => e)) as { code?: string; message: string };
      expect(error).toBeInstanceOf(Error);
      // As the worker settles a failure: the draft fails, and the live item's page says so.
      await t.ctx.repos.items.transition(draft.id, 'failed', { error_code: error.code ?? 'fetch_failed', error_message: error.message }, ['queued', 'fetching']);
      const page = (await inject('GET', `/api/items/${live.id}`)).json();
      expect(page).toMatchObject({ status: 'approved', remake: { id: draft.id, status: 'failed', error: { code: error.code ?? 'fetch_failed' } } });
      expect((await t.ctx.repos.items.get(live.id))!.status).toBe('approved');
      expect(await boardIds()).toContain(live.id);
      const media = await app.inject({ method: 'GET', url: `/media/board/${robins.boardToken}/${live.id}/${live.media_generation}/video.mp4` });
      expect(media.statusCode).toBe(200);
    } finally {
      await site.close();
    }
  });

  it('approving the draft swaps it in: same place in the playlist, the old copy leaves the board', async () => {
    const first = await makeItem(t, robins.playlistId, { status: 'approved', title: 'Before' });
    const live = await makeItem(t, robins.playlistId, { status: 'approved', title: 'Frogs', expiresAt: new Date('2031-07-31T23:59:59Z') });
    const draft = (await inject('POST', `/api/items/${live.id}/reprocess`, { startSeconds: 0, endSeconds: 1 })).json();
    // The pipeline's part, as it would leave the draft.
    await t.ctx.db.updateTable('items').set({ status: 'awaiting_review', progress: 100, media: JSON.stringify({ video: 'video.mp4' }) }).where('id', '=', draft.id).execute();
    const approved = await inject('POST', `/api/items/${draft.id}/approve`, { acknowledge: ['watched_elsewhere'] });
    expect(approved.statusCode).toBe(200);
    const old = (await t.ctx.repos.items.get(live.id))!;
    expect(old).toMatchObject({ status: 'rejected', reject_reason: 'Replaced by a re-made copy' });
    const now = (await t.ctx.repos.items.get(draft.id))!;
    expect(now.position).toBe(live.position);
    expect(now.expires_at?.toISOString()).toBe('2031-07-31T23:59:59.000Z');
    const ids = await boardIds();
    expect(ids).toContain(draft.id);
    expect(ids).not.toContain(live.id);
    expect(ids.indexOf(first.id)).toBeLessThan(ids.indexOf(draft.id));
  });

  it('a re-trim of an upload uses the stored original, copied for the draft, and fetches nothing', async () => {
    const live = await makeItem(t, robins.playlistId, { status: 'approved' });
    await t.ctx.db.updateTable('items').set({ url: 'upload:ducks.mp4', canonical_url: `upload:${live.id}`, details: JSON.stringify({ link: 'upload', fileName: 'ducks.mp4' }) }).where('id', '=', live.id).execute();
    await t.ctx.store.saveOriginal(live.id, Readable.from([Buffer.alloc(2048, 7)]));
    const draft = (await inject('POST', `/api/items/${live.id}/reprocess`, { startSeconds: 0.5 })).json();
    expect((await t.ctx.store.listItemIds()).originals).toEqual(expect.arrayContaining([live.id, draft.id]));
    // The fetch stage of the draft is a copy of its own original: no network, and on to processing.
    expect(await runFetchStage(t.ctx, draft.id, new AbortController().signal)).toBe('done');
    expect((await t.ctx.repos.items.get(draft.id))!.status).toBe('processing');
    expect((await t.ctx.repos.items.get(live.id))!.status).toBe('approved');
  });

  it('a failed item is retried in place (it was not on a board)', async () => {
    const failed = await makeItem(t, robins.playlistId, { status: 'failed' });
    const res = await inject('POST', `/api/items/${failed.id}/reprocess`, {});
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ id: failed.id, status: 'queued' });
  });
});

describe('3. tries are counted atomically', () => {
  it('100 parallel wrong passwords for one account: no more than 5 are looked at; the rest get 429', async () => {
    await addStaff(t, 'target@school.test');
    const tries = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        app.inject({ method: 'POST', url: '/api/login', payload: { email: 'target@school.test', password: `wrong ${i}` }, remoteAddress: `198.51.100.${(i % 50) + 1}` }),
      ),
    );
    const codes = tries.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 401).length).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(95);
    expect(codes.every((c) => c === 401 || c === 429)).toBe(true);
    const failures = await t.ctx.db.selectFrom('login_failures').select(sql<number>`count(*)::int`.as('n')).where('email', '=', 'target@school.test').executeTakeFirstOrThrow();
    expect(failures.n).toBe(5);
  });

  it('a burst of 60 wrong passwords with the right one among them does not sign in past the limit', async () => {
    await addStaff(t, 'burst@school.test');
    const tries = await Promise.all(
      Array.from({ length: 61 }, (_, i) =>
        app.inject({ method: 'POST', url: '/api/login', payload: { email: 'burst@school.test', password: i === 30 ? 'correct horse battery' : `wrong ${i}` }, remoteAddress: '203.0.113.50' }),
      ),
    );
    const codes = tries.map((r) => r.statusCode);
    // At most five passwords were checked at all; whether the right one was among them is luck, not a bypass.
    expect(codes.filter((c) => c !== 429).length).toBeLessThanOrEqual(5);
  });

  it('300 parallel pairing codes from one address: at most 10 are looked at', async () => {
    const tries = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        app.inject({ method: 'POST', url: '/api/pair', payload: { code: `ZZZ${String(i).padStart(3, '2')}` }, remoteAddress: '192.0.2.77' }),
      ),
    );
    const codes = tries.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 404).length).toBeLessThanOrEqual(10);
    expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(290);
  });
});

describe('4. TRUST_PROXY', () => {
  it('is a hop count or a list of proxies, never "trust everyone"', () => {
    const base = { PATH: process.env.PATH };
    expect(loadConfig({ ...base }).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ ...base, TRUST_PROXY: '10.0.0.5, 10.0.1.0/24,loopback' }).trustProxy).toEqual(['10.0.0.5', '10.0.1.0/24', 'loopback']);
    for (const bad of ['true', '*', '0.0.0.0/0', '::/0', 'all', 'proxy.school.example', '99']) {
      expect(() => loadConfig({ ...base, TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY/);
    }
  });

  it('with one proxy hop, the client’s own X-Forwarded-For entries are ignored', async () => {
    const env = await createTestEnv({ TRUST_PROXY: '1' });
    const proxied = await buildApp(env.ctx);
    try {
      await addStaff(env, 'spoof@school.test');
      // The client sends a made-up address first; the proxy (the peer) appends the address it saw.
      const res = await proxied.inject({
        method: 'POST',
        url: '/api/login',
        payload: { email: 'spoof@school.test', password: 'wrong' },
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': '1.2.3.4, 198.51.100.200' },
      });
      expect(res.statusCode).toBe(401);
      const row = await env.ctx.db.selectFrom('audit_log').select('ip').where('action', '=', 'login.failed').executeTakeFirstOrThrow();
      expect(row.ip).toBe('198.51.100.200');
    } finally {
      await proxied.close();
      await env.cleanup();
    }
  });
});

describe('5. the last active admin', () => {
  it('two admins disabling each other at the same moment leave one active admin', async () => {
    const env = await createTestEnv();
    const a = await buildApp(env.ctx);
    try {
      await addStaff(env, 'one@school.test', 'admin');
      await addStaff(env, 'two@school.test', 'admin');
      const one = await signIn(a, 'one@school.test');
      const two = await signIn(a, 'two@school.test');
      const idOf = async (email: string) => (await env.ctx.repos.users.byEmail(email))!.id;
      const [r1, r2] = await Promise.all([
        a.inject({ method: 'PATCH', url: `/api/admin/users/${await idOf('two@school.test')}`, headers: { cookie: one }, payload: { disabled: true } }),
        a.inject({ method: 'PATCH', url: `/api/admin/users/${await idOf('one@school.test')}`, headers: { cookie: two }, payload: { disabled: true } }),
      ]);
      expect([r1.statusCode, r2.statusCode].filter((c) => c === 200)).toHaveLength(1);
      expect([r1.statusCode, r2.statusCode].some((c) => c === 409 || c === 401)).toBe(true);
      expect(await env.ctx.repos.accounts.activeAdminCount()).toBe(1);
      // Demotions race the same way.
      await addStaff(env, 'three@school.test', 'admin');
      await addStaff(env, 'four@school.test', 'admin');
      const three = await signIn(a, 'three@school.test');
      const four = await signIn(a, 'four@school.test');
      const survivor = (await env.ctx.repos.users.byEmail('one@school.test'))!.disabled ? 'two@school.test' : 'one@school.test';
      await a.inject({ method: 'PATCH', url: `/api/admin/users/${await idOf(survivor)}`, headers: { cookie: three }, payload: { role: 'teacher' } });
      const [d1, d2] = await Promise.all([
        a.inject({ method: 'PATCH', url: `/api/admin/users/${await idOf('four@school.test')}`, headers: { cookie: three }, payload: { role: 'teacher' } }),
        a.inject({ method: 'PATCH', url: `/api/admin/users/${await idOf('three@school.test')}`, headers: { cookie: four }, payload: { role: 'teacher' } }),
      ]);
      expect([d1.statusCode, d2.statusCode].sort()).toEqual([200, 409]);
      expect(await env.ctx.repos.accounts.activeAdminCount()).toBe(1);
    } finally {
      await a.close();
      await env.cleanup();
    }
  });
});

describe('6. bad input is a 4xx, never a 500, and leaves nothing behind', () => {
  it('a default expiry far in the future or past is refused; approvals keep working', async () => {
    for (const until of ['+200000-01-01', '-271821-04-20', '10000-01-01', '1969-12-31', '2025-02-30', '2025-13-01', 'next friday']) {
      const res = await inject('PUT', '/api/admin/settings', { defaultExpiry: { until } }, admin);
      expect(res.statusCode, until).toBe(400);
      expect(res.json().error.code).toBe('invalid_request');
    }
    const ok = await inject('PUT', '/api/admin/settings', { defaultExpiry: { until: '9999-12-31' } }, admin);
    expect(ok.statusCode).toBe(200);
    const item = await makeItem(t, robins.playlistId, { status: 'awaiting_review' });
    expect((await inject('POST', `/api/items/${item.id}/approve`, { acknowledge: ['watched_elsewhere'] })).statusCode).toBe(200);
    await inject('PUT', '/api/admin/settings', { defaultExpiry: null }, admin);
  });

  it('the audit log’s dates and an item’s expiry are held to the same rule', async () => {
    for (const from of ['-271821-04-20', '+275760-09-13', '0000-01-01', '2025-1-1']) {
      const res = await inject('GET', `/api/admin/audit?from=${encodeURIComponent(from)}`, undefined, admin);
      expect(res.statusCode, from).toBe(400);
    }
    const item = await makeItem(t, robins.playlistId, { status: 'approved' });
    for (const expiresAt of ['+200000-01-01T00:00:00Z', '0001-01-01T00:00:00Z', 'soon']) {
      const res = await inject('PATCH', `/api/items/${item.id}`, { expiresAt });
      expect(res.statusCode, expiresAt).toBe(400);
    }
    expect((await inject('PATCH', `/api/items/${item.id}`, { expiresAt: '2031-07-31' })).json().expiresAt).toBe('2031-07-31T23:59:59.999Z');
  });

  it('a link with a broken %-escape is a 422 and no row is created', async () => {
    const before = (await t.ctx.repos.items.listByPlaylist(robins.playlistId)).length;
    const res = await inject('POST', '/api/items', { url: 'http://127.0.0.1:9/%ff.mp4', playlistId: robins.playlistId });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('url_invalid');
    expect((await t.ctx.repos.items.listByPlaylist(robins.playlistId)).length).toBe(before);
  });

  it('a NUL or other odd byte in a board token is refused by its shape before any query', async () => {
    for (const url of ['/media/board/abc%00defghijkl/00000000-0000-4000-8000-000000000000/0/video.mp4', '/api/board/abc%00defghijkl', '/api/board/%ff%fe%fd%fc%fb%fa%f9%f8%f7%f6/events']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, url).toBeLessThan(500);
    }
  });

  it('numbers must be finite: "1e400" and 1e400 are refused', async () => {
    const item = await makeItem(t, robins.playlistId, { status: 'awaiting_review' });
    for (const payload of ['{"startSeconds": "1e400"}', '{"startSeconds": 1e400}', '{"endSeconds": "-1e400"}', '{"startSeconds": "NaN"}']) {
      const res = await app.inject({ method: 'POST', url: `/api/items/${item.id}/reprocess`, headers: { cookie: teacher, 'content-type': 'application/json' }, payload });
      expect(res.statusCode, payload).toBe(400);
    }
    const submit = await app.inject({
      method: 'POST',
      url: '/api/items',
      headers: { cookie: teacher, 'content-type': 'application/json' },
      payload: `{"url": "https://www.youtube.com/watch?v=AbCdEfGhIjK", "playlistId": "${robins.playlistId}", "startSeconds": "1e400"}`,
    });
    expect(submit.statusCode).toBe(400);
    const row = await t.ctx.db.selectFrom('items').select('id').where(sql<boolean>`start_seconds = 'Infinity'::float8 OR end_seconds = 'Infinity'::float8`).executeTakeFirst();
    expect(row).toBeUndefined();
  });
});

describe('7. uploads and the storage check', () => {
  it('an upload into a site list is refused before the file is read', async () => {
    const sites = await inject('POST', '/api/playlists', { classId: robins.classId, name: 'Sites', kind: 'sites' });
    const res = await app.inject({
      method: 'POST',
      url: `/api/playlists/${sites.json().id}/uploads?filename=clip.mp4`,
      headers: { cookie: teacher, 'content-type': 'video/mp4' },
      payload: Buffer.alloc(1000, 1),
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('not_a_video_playlist');
    expect(await t.ctx.repos.items.listByPlaylist(sites.json().id)).toEqual([]);
  });

  it('storage check --fix during an upload leaves the upload’s folder alone', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // A body that sends half the file, waits, then the rest: the check runs in between.
    const body = Readable.from(
      (async function* () {
        yield Buffer.alloc(4096, 1);
        await gate;
        yield Buffer.alloc(4096, 2);
      })(),
    );
    const actor = { id: (await t.ctx.repos.users.byEmail('teacher@school.test'))!.id, role: 'teacher' as const, ip: '127.0.0.1' };
    const upload = uploadVideo(t.ctx, actor, { playlistId: robins.playlistId, fileName: 'clip.mp4', declaredBytes: 8192, body });
    // Wait until the upload has begun writing.
    const leasesNow = () => t.ctx.db.selectFrom('storage_leases').select('item_id').execute();
    for (let i = 0; i < 100 && (await leasesNow()).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    const report = await checkStorage(t.ctx);
    const leased = (await t.ctx.db.selectFrom('storage_leases').select('item_id').execute()).map((l) => l.item_id);
    expect(leased).toHaveLength(1);
    expect(report.filesWithoutItem.map((f) => f.itemId)).not.toContain(leased[0]);
    // Even a report made before the upload began does not delete its folder.
    await removeFilesWithoutItem(t.ctx, { filesWithoutItem: [{ itemId: leased[0]!, area: 'originals' }], itemsWithMissingFiles: [] });
    release();
    const item = await upload;
    expect(item.id).toBe(leased[0]);
    expect((await t.ctx.store.listItemIds()).originals).toContain(item.id);
    expect(await t.ctx.db.selectFrom('storage_leases').selectAll().execute()).toEqual([]);
  });
});

describe('8. the purge and approved items past their expiry', () => {
  it('includes approved items already past their expiry, before the minute sweep has run', async () => {
    const env = await createTestEnv({ PURGE_AFTER_DAYS: '0' });
    try {
      const cls = await env.ctx.repos.classes.create('Owls', 'owls-board-token-0123456789', null);
      const pl = await env.ctx.repos.playlists.create(cls.id, 'Weather', 'videos');
      const past = await makeItem(env, pl.id, { status: 'approved', expiresAt: new Date(Date.now() - 60_000) });
      const current = await makeItem(env, pl.id, { status: 'approved', expiresAt: new Date(Date.now() + 3_600_000) });
      const { purge } = await import('../../src/services/purge.js');
      const dry = await purge(env.ctx, { dryRun: true, actor: { kind: 'system', id: null } });
      expect(dry.items.map((i) => i.id)).toEqual([past.id]);
      expect(dry.items[0]!.status).toBe('expired');
      const real = await purge(env.ctx, { dryRun: false, actor: { kind: 'system', id: null } });
      expect(real.items.map((i) => i.id)).toEqual([past.id]);
      expect(await env.ctx.repos.items.get(past.id)).toBeUndefined();
      expect(await env.ctx.repos.items.get(current.id)).toBeDefined();
    } finally {
      await env.cleanup();
    }
  });
});

describe('audit addresses', () => {
  it('records the peer address when no proxy is trusted, whatever X-Forwarded-For says', async () => {
    await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'nobody@school.test', password: 'x' }, remoteAddress: '192.0.2.9', headers: { 'x-forwarded-for': '8.8.8.8' } });
    const entries = await auditActions(app, admin, 'action=login.failed');
    expect(entries.some((e) => e.ip === '192.0.2.9')).toBe(true);
    expect(entries.some((e) => e.ip === '8.8.8.8')).toBe(false);
  });
});
