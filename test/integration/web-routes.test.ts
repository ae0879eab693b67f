/**
 * The routes behind the web app: the pages and their headers, pairing a board by code or QR code,
 * ordering and removing playlist items, and the board's live event stream. The browser walks
 * these too (test/e2e); here each rule is pinned down on its own.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIST } from '../../src/http/routes-web.js';
import { buildTestApp, createTestEnv, makeClassAndPlaylist, signInAdminAndTeacher, type TestApp, type TestEnv } from '../helpers/harness.js';
import { hasMedia } from '../helpers/stored.js';
import { auditActions, makeItem } from '../helpers/governance.js';
import { openStream } from '../helpers/sse-client.js';

let t: TestEnv;
let app: TestApp;
let teacher: string;
let admin: string;
let ids: Awaited<ReturnType<typeof makeClassAndPlaylist>>;

beforeAll(async () => {
  t = await createTestEnv();
  app = await buildTestApp(t);
  ({ admin, teacher } = await signInAdminAndTeacher(t, app));
  ids = await makeClassAndPlaylist(app, teacher);
});

afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

describe('the pages', () => {
  it('serves each page with a strict content security policy, uncached, with no inline script', async () => {
    expect(existsSync(path.join(WEB_DIST, 'index.html')), 'run npm run build:web first').toBe(true);
    for (const url of ['/', '/admin', '/pair', `/board/${ids.boardToken}`]) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
      // Every script is a file of ours: no inline code, nothing from another host.
      for (const tag of res.body.match(/<script[^>]*>/g) ?? []) expect(tag).toMatch(/src="\/assets\//);
      expect(res.body).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
  });

  it('the board page is its own light entry: none of the desk’s or console’s code', () => {
    const board = readFileSync(path.join(WEB_DIST, 'board.html'), 'utf8');
    const scripts = [...board.matchAll(/(?:src|href)="\/assets\/([^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.some((s) => s.startsWith('board-'))).toBe(true);
    expect(scripts.some((s) => /^(index|admin)-/.test(s))).toBe(false);
  });

  it('serves hashed assets for a year and unknown ones not at all', async () => {
    const file = readdirSync(path.join(WEB_DIST, 'assets')).find((f) => f.endsWith('.js'))!;
    const res = await app.inject({ method: 'GET', url: `/assets/${file}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await app.inject({ method: 'GET', url: '/assets/nope-123.js' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/assets/..%2F..%2Fpackage.json' })).statusCode).toBe(400);
  });
});

describe('pairing a board', () => {
  it('a six-character code, valid once, leads the board to its link', async () => {
    const made = await app.inject({ method: 'POST', url: `/api/classes/${ids.classId}/pairing`, headers: { cookie: teacher } });
    expect(made.statusCode).toBe(201);
    const { code, expiresAt, pairUrl } = made.json();
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(pairUrl).toBe(`${t.config.publicUrl}/pair`);

    // Typed on a board as it came: lower case, with a space.
    const typed = `${code.slice(0, 3).toLowerCase()} ${code.slice(3)}`;
    const paired = await app.inject({ method: 'POST', url: '/api/pair', payload: { code: typed }, remoteAddress: '10.0.0.1' });
    expect(paired.statusCode).toBe(200);
    expect(paired.json()).toEqual({ class: { id: ids.classId, name: 'Robins' }, boardUrl: `${t.config.publicUrl}/board/${ids.boardToken}` });
    const again = await app.inject({ method: 'POST', url: '/api/pair', payload: { code }, remoteAddress: '10.0.0.1' });
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('pairing_code_unknown');
    const actions = (await auditActions(app, admin, `target=class:${ids.classId}`)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['board.pairing_code', 'board.paired']));
  });

  it('guessing is cut off after ten wrong codes from one address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await app.inject({ method: 'POST', url: '/api/pair', payload: { code: 'ZZZZZZ' }, remoteAddress: '10.0.0.2' });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 10).every((s) => s === 404)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it('draws a QR code of the board link for signed-in staff only', async () => {
    const res = await app.inject({ method: 'GET', url: `/api/classes/${ids.classId}/board-qr.svg`, headers: { cookie: teacher } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(res.body).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(res.body).not.toMatch(/<script|on\w+=/i);
    expect((await app.inject({ method: 'GET', url: `/api/classes/${ids.classId}/board-qr.svg` })).statusCode).toBe(401);
  });
});

describe('ordering and removing items', () => {
  it('puts the playlist in the order given; items not named keep their order after', async () => {
    const pl = (await makeClassAndPlaylist(app, teacher)).playlistId;
    const a = await makeItem(t, pl, { title: 'A' });
    await makeItem(t, pl, { title: 'B' });
    const c = await makeItem(t, pl, { title: 'C' });
    const res = await app.inject({ method: 'PATCH', url: `/api/playlists/${pl}/order`, headers: { cookie: teacher }, payload: { itemIds: [c.id, a.id] } });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((i: { title: string }) => i.title)).toEqual(['C', 'A', 'B']);
    const listed = (await app.inject({ method: 'GET', url: `/api/playlists/${pl}`, headers: { cookie: teacher } })).json();
    expect(listed.items.map((i: { title: string }) => i.title)).toEqual(['C', 'A', 'B']);

    const stranger = await makeItem(t, ids.playlistId, { title: 'elsewhere' });
    const stale = await app.inject({ method: 'PATCH', url: `/api/playlists/${pl}/order`, headers: { cookie: teacher }, payload: { itemIds: [stranger.id] } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('order_stale');
    const dupes = await app.inject({ method: 'PATCH', url: `/api/playlists/${pl}/order`, headers: { cookie: teacher }, payload: { itemIds: [a.id, a.id] } });
    expect(dupes.statusCode).toBe(400);
  });

  it('removes an item awaiting review with its files, and records who did it', async () => {
    const item = await makeItem(t, ids.playlistId, { status: 'awaiting_review', title: 'Not for us' });
    expect(await hasMedia(t, item.id)).toBe(true);
    const res = await app.inject({ method: 'DELETE', url: `/api/items/${item.id}`, headers: { cookie: teacher } });
    expect(res.statusCode).toBe(200);
    expect(await t.ctx.repos.items.get(item.id)).toBeUndefined();
    expect(await hasMedia(t, item.id)).toBe(false);
    const entry = (await auditActions(app, admin, `target=item:${item.id}`)).find((e) => e.action === 'item.delete');
    expect(entry).toMatchObject({ actor: 'teacher@school.test' });
    expect((await app.inject({ method: 'DELETE', url: `/api/items/${item.id}`, headers: { cookie: teacher } })).statusCode).toBe(404);
  });

  it('takes an approved item off the board first, then removes it', async () => {
    const item = await makeItem(t, ids.playlistId, { status: 'approved', title: 'On the board' });
    const before = (await app.inject({ method: 'GET', url: `/api/board/${ids.boardToken}` })).json();
    expect(before.playlists[0].items.map((i: { id: string }) => i.id)).toContain(item.id);
    expect((await app.inject({ method: 'DELETE', url: `/api/items/${item.id}`, headers: { cookie: teacher } })).statusCode).toBe(200);
    const after = (await app.inject({ method: 'GET', url: `/api/board/${ids.boardToken}` })).json();
    expect(after.playlists[0].items.map((i: { id: string }) => i.id)).not.toContain(item.id);
    expect((await app.inject({ method: 'GET', url: `/media/board/${ids.boardToken}/${item.id}/0/video.mp4` })).statusCode).toBe(404);
  });

  it('keeps a reported item for the e-safety lead', async () => {
    const item = await makeItem(t, ids.playlistId, { status: 'approved', title: 'Reported' });
    await app.inject({ method: 'POST', url: `/api/items/${item.id}/report`, headers: { cookie: teacher }, payload: { note: 'Scary' } });
    const res = await app.inject({ method: 'DELETE', url: `/api/items/${item.id}`, headers: { cookie: teacher } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('item_in_incident_log');
    expect((await t.ctx.repos.items.get(item.id))?.status).toBe('quarantined');
  });
});

describe('the board’s live stream', () => {
  let base: string;
  beforeAll(async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  // The time limits are for a loaded machine: how fast a change reaches 300 boards is measured by npm run bench (load).
  it('sends the board now and again when an item is approved, reported, or reaches its expiry', async () => {
    const cls = await makeClassAndPlaylist(app, teacher);
    const shown = await makeItem(t, cls.playlistId, { status: 'approved', title: 'Shown' });
    const waiting = await makeItem(t, cls.playlistId, { status: 'awaiting_review', title: 'Waiting' });
    const stream = openStream(`${base}/api/board/${cls.boardToken}/events`);
    const titles = (e: { data: string }) => (JSON.parse(e.data).playlists as Array<{ items: Array<{ title: string }> }>).flatMap((p) => p.items.map((i) => i.title));
    try {
      const first = await stream.next((e) => e.event === 'board');
      expect(stream.status()).toBe(200);
      expect(titles(first)).toEqual(['Shown']);

      await app.inject({ method: 'POST', url: `/api/items/${waiting.id}/approve`, headers: { cookie: teacher }, payload: { acknowledge: ['watched_elsewhere'] } });
      await stream.next((e) => e.event === 'board' && titles(e).includes('Waiting'), 10_000);

      await app.inject({ method: 'POST', url: `/api/board/${cls.boardToken}/items/${shown.id}/report`, payload: { note: 'odd' } });
      await stream.next((e) => e.event === 'board' && !titles(e).includes('Shown'), 10_000);

      // An expiry passes without any row changing: the stream wakes up for it.
      await app.inject({ method: 'PATCH', url: `/api/items/${waiting.id}`, headers: { cookie: teacher }, payload: { expiresAt: new Date(Date.now() + 1500).toISOString() } });
      await stream.next((e) => e.event === 'board' && titles(e).length === 0, 10_000);
    } finally {
      stream.close();
    }
  });

  it('answers 404 to an unknown board before any stream starts', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/board/unknownboardtoken0123456789/events' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('board_not_found');
  });
});
