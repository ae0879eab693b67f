/**
 * Serving boards and their media: the board answer's ETag and 304, the per-class cache kept right by
 * change notifications across two API processes (two apps on one database, each with its own
 * listener and cache), Range requests at every edge, and board links kept out of the logs.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { makeItem } from '../helpers/governance.js';
import { makeFixture } from '../helpers/fixtures-media.js';
import { buildTestApp, createTestEnv, makeClassAndPlaylist, signInAdminAndTeacher, waitFor, type TestApp, type TestEnv } from '../helpers/harness.js';

let t: TestEnv;
let a: TestApp;
let b: TestApp;
let teacher: string;
let ids: Awaited<ReturnType<typeof makeClassAndPlaylist>>;

beforeAll(async () => {
  t = await createTestEnv();
  a = await buildTestApp(t);
  b = await buildTestApp(t); // a second API process: its own listener and cache
  ({ teacher } = await signInAdminAndTeacher(t, a));
  ids = await makeClassAndPlaylist(a, teacher);
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await t?.cleanup();
});

const board = (app: TestApp, token = ids.boardToken, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url: `/api/board/${token}`, headers });
const itemIds = (body: { playlists: Array<{ items: Array<{ id: string }> }> }) => body.playlists.flatMap((p) => p.items.map((i) => i.id));

describe('the board answer', () => {
  it('carries a strong ETag, is revalidated each time, and answers 304 to If-None-Match', async () => {
    await makeItem(t, ids.playlistId);
    const first = await board(a);
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    expect(first.headers['cache-control']).toBe('private, no-cache');
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{20,}"$/);
    const again = await board(a, ids.boardToken, { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    expect((await board(a, ids.boardToken, { 'if-none-match': `"nope", W/${etag}` })).statusCode).toBe(304);
    expect((await board(a, ids.boardToken, { 'if-none-match': '"nope"' })).statusCode).toBe(200);
    // The other process computes the same answer, so the same ETag.
    expect((await board(b)).headers.etag).toBe(etag);
  });

  it('answers from the cache without a query while nothing changes', async () => {
    await board(a);
    const before = a.board.stats().queries;
    for (let i = 0; i < 5; i++) expect((await board(a)).statusCode).toBe(200);
    expect(a.board.stats().queries).toBe(before);
  });

  it('an unknown board link is 404 and is not cached', async () => {
    const res = await board(a, 'no-such-board-link');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('board_not_found');
  });

  it('an approval in one process reaches the other process’s cached board', async () => {
    const cachedA = await board(a);
    const cachedB = await board(b);
    const etag = String(cachedB.headers.etag);
    const item = await makeItem(t, ids.playlistId, { status: 'awaiting_review' });
    // Progress of an item in processing does not change the board, and does not evict it.
    expect(itemIds(cachedA.json())).not.toContain(item.id);
    const res = await a.inject({ method: 'POST', url: `/api/items/${item.id}/approve`, headers: { cookie: teacher }, payload: { acknowledge: ['watched_elsewhere'] } });
    expect(res.statusCode).toBe(200);
    const seen = await waitFor(async () => {
      const r = await board(b, ids.boardToken, { 'if-none-match': etag });
      return r.statusCode === 200 && itemIds(r.json()).includes(item.id) ? r : undefined;
    }, 2000, 10);
    expect(seen.headers.etag).not.toBe(etag);
    // And a report taken in process B takes it off A's board.
    const report = await b.inject({ method: 'POST', url: `/api/items/${item.id}/report`, headers: { cookie: teacher }, payload: { note: 'not for us' } });
    expect(report.statusCode).toBe(201);
    await waitFor(async () => !itemIds((await board(a)).json()).includes(item.id), 2000, 10);
    // Its media is gone from the board at the same moment.
    const media = await a.inject({ method: 'GET', url: `/media/board/${ids.boardToken}/${item.id}/0/video.mp4` });
    expect(media.statusCode).toBe(404);
  });

  it('a change made outside the API (the worker, a script) reaches the cached boards too', async () => {
    const item = await makeItem(t, ids.playlistId);
    await waitFor(async () => itemIds((await board(a)).json()).includes(item.id) && itemIds((await board(b)).json()).includes(item.id), 2000, 10);
    await t.ctx.db.updateTable('items').set({ title: 'Renamed by a script' }).where('id', '=', item.id).execute();
    for (const app of [a, b]) {
      await waitFor(async () => {
        const body = (await board(app)).json();
        return body.playlists.some((p: { items: Array<{ id: string; title: string }> }) => p.items.some((i) => i.id === item.id && i.title === 'Renamed by a script'));
      }, 2000, 10);
    }
  });

  it('a new playlist and a passing expiry show without any item change', async () => {
    await board(a);
    const pl = await b.inject({ method: 'POST', url: '/api/playlists', headers: { cookie: teacher }, payload: { classId: ids.classId, name: 'Web sites', kind: 'sites' } });
    expect(pl.statusCode).toBe(201);
    await waitFor(async () => (await board(a)).json().playlists.some((p: { id: string }) => p.id === pl.json().id), 2000, 10);
    const soon = await makeItem(t, ids.playlistId, { expiresAt: new Date(Date.now() + 1500) });
    await waitFor(async () => itemIds((await board(a)).json()).includes(soon.id), 2000, 10);
    await waitFor(async () => !itemIds((await board(a)).json()).includes(soon.id), 4000, 50);
  });

  it('a rotated board link is dead at once in every process, its streams end, and a deleted class follows', async () => {
    const cls = await a.inject({ method: 'POST', url: '/api/classes', headers: { cookie: teacher }, payload: { name: 'Wrens' } });
    const classId = cls.json().id as string;
    const token = cls.json().board.token as string;
    const pl = await b.inject({ method: 'POST', url: '/api/playlists', headers: { cookie: teacher }, payload: { classId, name: 'Songs', kind: 'videos' } });
    const item = await makeItem(t, pl.json().id);
    for (const app of [a, b]) {
      await waitFor(async () => itemIds((await board(app, token)).json()).includes(item.id), 2000, 10);
      expect((await app.inject({ method: 'GET', url: `/media/board/${token}/${item.id}/0/poster.jpg` })).statusCode).toBe(200);
    }

    await a.listen({ port: 0, host: '127.0.0.1' });
    const port = (a.server.address() as AddressInfo).port;
    const openStream = (tok: string) => {
      const events: string[] = [];
      const ended = new Promise<void>((resolve) => {
        http.get(`http://127.0.0.1:${port}/api/board/${tok}/events`, (res) => {
          res.setEncoding('utf8');
          res.on('data', (d: string) => events.push(...[...d.matchAll(/^event: (\w+)/gm)].map((m) => m[1]!)));
          res.on('end', () => resolve());
        });
      });
      return { events, ended };
    };
    const first = openStream(token);
    await waitFor(async () => first.events.includes('board'), 2000, 10);

    // Rotated through process B: process A's cache and open stream hear of it.
    const rotated = await b.inject({ method: 'POST', url: `/api/classes/${classId}/board/rotate`, headers: { cookie: teacher } });
    expect(rotated.statusCode).toBe(200);
    const fresh = rotated.json().board.token as string;
    for (const app of [b, a]) {
      await waitFor(async () => (await board(app, token)).statusCode === 404, 1000, 5);
      expect((await app.inject({ method: 'GET', url: `/media/board/${token}/${item.id}/0/poster.jpg` })).statusCode).toBe(404);
      expect(itemIds((await board(app, fresh)).json())).toContain(item.id);
    }
    await first.ended;
    expect(first.events).toEqual(['board', 'gone']);

    // Deleted through process B: the new link dies everywhere too.
    const second = openStream(fresh);
    await waitFor(async () => second.events.includes('board'), 2000, 10);
    expect((await b.inject({ method: 'DELETE', url: `/api/classes/${classId}`, headers: { cookie: teacher } })).statusCode).toBe(204);
    for (const app of [b, a]) await waitFor(async () => (await board(app, fresh)).statusCode === 404, 1000, 5);
    await second.ended;
    expect(second.events).toEqual(['board', 'gone']);
  });

  it('a change to the allow list reaches every cached board (which live sites may open)', async () => {
    const site = await makeItem(t, ids.playlistId, { url: 'https://games.example.org/counting' });
    await t.ctx.db.updateTable('items').set({ kind: 'webpage', open_live: true }).where('id', '=', site.id).execute();
    const openLive = async (app: TestApp) =>
      (await board(app)).json().playlists.flatMap((p: { items: Array<{ id: string; openLive: boolean }> }) => p.items).find((i: { id: string }) => i.id === site.id)?.openLive;
    await waitFor(async () => (await openLive(a)) === false && (await openLive(b)) === false, 2000, 10);
    await sql`INSERT INTO domain_rules (pattern, action) VALUES ('games.example.org', 'allow')`.execute(t.ctx.db);
    for (const app of [a, b]) await waitFor(async () => (await openLive(app)) === true, 2000, 10);
    await sql`DELETE FROM domain_rules WHERE pattern = 'games.example.org'`.execute(t.ctx.db);
    for (const app of [a, b]) await waitFor(async () => (await openLive(app)) === false, 2000, 10);
  });

  it('records that a board was seen without evicting it from the cache', async () => {
    await t.ctx.db.updateTable('classes').set({ board_seen_at: null }).where('id', '=', ids.classId).execute();
    const fresh = await buildTestApp(t);
    try {
      await board(fresh);
      await waitFor(async () => {
        const row = await t.ctx.db.selectFrom('classes').select('board_seen_at').where('id', '=', ids.classId).executeTakeFirstOrThrow();
        return row.board_seen_at !== null;
      }, 2000, 10);
      await new Promise((r) => setTimeout(r, 100));
      const before = fresh.board.stats().queries;
      for (let i = 0; i < 3; i++) await board(fresh);
      expect(fresh.board.stats().queries).toBe(before);
    } finally {
      await fresh.close();
    }
  });

  it('a class row changed by a script (not the API) also drops its cached board', async () => {
    const cls = await a.inject({ method: 'POST', url: '/api/classes', headers: { cookie: teacher }, payload: { name: 'Kestrels' } });
    const token = cls.json().board.token as string;
    expect((await board(a, token)).statusCode).toBe(200);
    await sql`UPDATE classes SET name = 'Falcons' WHERE id = ${cls.json().id}`.execute(t.ctx.db);
    await waitFor(async () => (await board(a, token)).json().class.name === 'Falcons', 1000, 5);
  });
});

describe('media Range requests', () => {
  let url: string;
  let bytes: Buffer;
  beforeAll(async () => {
    // A re-made item: generation 1 holds a real video, generation 0 is the old one.
    const item = await makeItem(t, ids.playlistId);
    const dir = await t.ctx.store.workDir(item.id, 'remake');
    const file = await makeFixture('h264', path.join(dir, 'video.mp4'), { seconds: 2 });
    bytes = await readFile(file);
    await t.ctx.store.publish(item.id, 1, dir);
    await t.ctx.db.updateTable('items').set({ media_generation: 1, media: JSON.stringify({ video: 'video.mp4' }) }).where('id', '=', item.id).execute();
    url = `/media/board/${ids.boardToken}/${item.id}/1/video.mp4`;
    await waitFor(async () => (await a.inject({ method: 'HEAD', url })).statusCode === 200, 2000, 10);
  });
  const get = (headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') => a.inject({ method, url, headers });

  it('sends the whole file with immutable private caching and strong validators', async () => {
    const res = await get();
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(bytes)).toBe(true);
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(res.headers['content-length']).toBe(String(bytes.length));
    expect(res.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers.etag).toMatch(/^"[0-9a-f-]+"$/);
    expect(new Date(String(res.headers['last-modified'])).getTime()).toBeGreaterThan(0);
  });

  it('the first byte, the last byte and a middle slice', async () => {
    const first = await get({ range: 'bytes=0-0' });
    expect(first.statusCode).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-0/${bytes.length}`);
    expect(first.rawPayload.equals(bytes.subarray(0, 1))).toBe(true);
    const last = await get({ range: `bytes=${bytes.length - 1}-` });
    expect(last.statusCode).toBe(206);
    expect(last.headers['content-range']).toBe(`bytes ${bytes.length - 1}-${bytes.length - 1}/${bytes.length}`);
    expect(last.rawPayload.equals(bytes.subarray(-1))).toBe(true);
    const suffix = await get({ range: 'bytes=-1' });
    expect(suffix.rawPayload.equals(bytes.subarray(-1))).toBe(true);
    const mid = await get({ range: 'bytes=1000-70999' });
    expect(mid.statusCode).toBe(206);
    expect(mid.headers['content-length']).toBe('70000');
    expect(mid.rawPayload.equals(bytes.subarray(1000, 71000))).toBe(true);
  });

  it('a range past the end is 416 with the size', async () => {
    const res = await get({ range: `bytes=${bytes.length}-` });
    expect(res.statusCode).toBe(416);
    expect(res.headers['content-range']).toBe(`bytes */${bytes.length}`);
    expect(res.json().error.code).toBe('range_not_satisfiable');
  });

  it('If-Range: the same ETag gets the range, another one the whole file', async () => {
    const etag = String((await get({}, 'HEAD')).headers.etag);
    expect((await get({ range: 'bytes=0-9', 'if-range': etag })).statusCode).toBe(206);
    const changed = await get({ range: 'bytes=0-9', 'if-range': '"1-2"' });
    expect(changed.statusCode).toBe(200);
    expect(changed.rawPayload.equals(bytes)).toBe(true);
  });

  it('several ranges get the whole file', async () => {
    const res = await get({ range: 'bytes=0-9,20-29' });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.length).toBe(bytes.length);
  });

  it('If-None-Match and If-Modified-Since get 304; HEAD sends headers only', async () => {
    const head = await get({}, 'HEAD');
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(bytes.length));
    expect(head.rawPayload.length).toBe(0);
    expect((await get({ 'if-none-match': String(head.headers.etag) })).statusCode).toBe(304);
    expect((await get({ 'if-modified-since': String(head.headers['last-modified']) })).statusCode).toBe(304);
  });

  it('a range larger than one read, and a whole file of several reads, arrive whole and in order', async () => {
    // 3.5 MiB: the API reads 1 MiB at a time, so these answers are streamed in several reads, not one.
    const item = await makeItem(t, ids.playlistId, { media: false });
    const dir = await t.ctx.store.workDir(item.id, 'big');
    const big = randomBytes(3.5 * (1 << 20));
    await writeFile(path.join(dir, 'video.mp4'), big);
    await t.ctx.store.publish(item.id, 0, dir);
    await t.ctx.db.updateTable('items').set({ media: JSON.stringify({ video: 'video.mp4' }) }).where('id', '=', item.id).execute();
    const bigUrl = `/media/board/${ids.boardToken}/${item.id}/0/video.mp4`;
    await waitFor(async () => (await a.inject({ method: 'HEAD', url: bigUrl })).statusCode === 200, 2000, 10);
    const whole = await a.inject({ method: 'GET', url: bigUrl });
    expect(whole.statusCode).toBe(200);
    expect(whole.rawPayload.equals(big)).toBe(true);
    const part = await a.inject({ method: 'GET', url: bigUrl, headers: { range: 'bytes=1000-2500000' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-length']).toBe('2499001');
    expect(part.rawPayload.equals(big.subarray(1000, 2500001))).toBe(true);
  });

  it('still checks access on every request: another generation, an unpublished name, another class’s board', async () => {
    const other = await a.inject({ method: 'POST', url: '/api/classes', headers: { cookie: teacher }, payload: { name: 'Owls' } });
    const otherToken = other.json().board.token as string;
    const tail = url.split('/').slice(-3);
    expect((await a.inject({ method: 'GET', url: `/media/board/${otherToken}/${tail.join('/')}` })).statusCode).toBe(404);
    expect((await a.inject({ method: 'GET', url: url.replace('/1/video.mp4', '/0/video.mp4') })).statusCode).toBe(404);
    expect((await a.inject({ method: 'GET', url: url.replace('video.mp4', 'source.bin') })).statusCode).toBe(404);
    // Staff need a session.
    const staffUrl = `/media/items/${tail.join('/')}`;
    expect((await a.inject({ method: 'GET', url: staffUrl })).statusCode).toBe(401);
    const staff = await a.inject({ method: 'GET', url: staffUrl, headers: { cookie: teacher, range: 'bytes=0-3' } });
    expect(staff.statusCode).toBe(206);
    expect(staff.rawPayload.equals(bytes.subarray(0, 4))).toBe(true);
  });
});

describe('logs', () => {
  it('never contain a board link', async () => {
    const lines: string[] = [];
    const logged = await buildApp(t.ctx, { logger: { level: 'info', stream: { write: (l: string) => void lines.push(l) } } });
    try {
      const token = ids.boardToken;
      for (const u of [`/api/board/${token}`, `/board/${token}`, `/media/board/${token}/00000000-0000-4000-8000-000000000000/0/video.mp4`, `/api/board/${token}/nothing-here`]) {
        await logged.inject({ method: 'GET', url: u });
      }
      expect(lines.join('\n')).toContain('/api/board/[redacted]');
      expect(lines.length).toBeGreaterThan(4);
      expect(lines.join('\n')).not.toContain(token);
    } finally {
      await logged.close();
    }
  });
});
