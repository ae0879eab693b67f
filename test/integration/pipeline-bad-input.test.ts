import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorkers } from '../../src/worker/runtime.js';
import { HANDLERS } from '../../src/worker/handlers/index.js';
import { jobIdFor } from '../../src/queue/jobs.js';
import { fixturesDir, makeFixture, truncatedCopy, writeDisguisedHlsPlaylist } from '../helpers/fixtures-media.js';
import { deskFor, type Desk } from '../helpers/desk.js';
import { serveFile, startFixtureServer } from '../helpers/fixture-server.js';
import { buildTestApp, createTestEnv, makeClassAndPlaylist, signInTeacher, waitFor, type TestApp, type TestEnv } from '../helpers/harness.js';
import { startTestWorkers } from '../helpers/workers.js';
import { hasMedia, hasWork, publishedFiles } from '../helpers/stored.js';

// Every bad input against the real pipeline: each ends with the item failed and a reason a teacher
// can read (or a 4xx at submit), every other item untouched, and no stray files.
let t: TestEnv;
let app: TestApp;
let workers: RunningWorkers;
let cookie: string;
let ids: { classId: string; boardToken: string; playlistId: string };
let site: Awaited<ReturnType<typeof startFixtureServer>>;
let forbidden: http.Server;
let forbiddenHits = 0;
let sentinel: { id: string; row: unknown };
let desk: Desk;
const LIMIT = 2 * 1024 * 1024;


beforeAll(async () => {
  t = await createTestEnv({ JOB_BACKOFF_MS: '50', MAX_DOWNLOAD_BYTES: String(LIMIT), FETCH_IDLE_TIMEOUT_MS: '400' });
  app = await buildTestApp(t);
  cookie = await signInTeacher(t, app);
  desk = deskFor(app, cookie);
  ids = await makeClassAndPlaylist(app, cookie);
  const dir = await fixturesDir(t);
  const good = await makeFixture('h264', path.join(dir, 'good.mp4'), { seconds: 2 });
  const audio = await makeFixture('audio-only', path.join(dir, 'song.m4a'), { seconds: 2 });
  const truncated = await truncatedCopy(good, path.join(dir, 'cut.mp4'), 0.3);
  const secret = path.join(dir, 'secret.ts');
  await makeFixture('h264', secret, { seconds: 1 });

  // A loopback server that is NOT in the allow list (127.0.0.2): only the guard may stop a fetch to it.
  forbidden = http.createServer((_req, res) => {
    forbiddenHits++;
    res.end('you should not be here');
  });
  await new Promise<void>((r) => forbidden.listen(0, '127.0.0.2', r));
  const forbiddenPort = (forbidden.address() as AddressInfo).port;

  let flaky = 0;
  site = await startFixtureServer({
    '/good.mp4': serveFile(good),
    '/page.mp4': (_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><h1>Videos!</h1>'),
    '/gone.mp4': (_q, res) => res.writeHead(404).end(),
    '/flaky.mp4': (req, res) => {
      if (flaky++ === 0) return void res.writeHead(500).end('oops');
      serveFile(good)(req, res);
    },
    '/stall.mp4': (_q, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '500000' });
      res.write(Buffer.alloc(1000)); // then nothing, for ever
    },
    '/big-by-header.mp4': (_q, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(LIMIT + 1) });
      res.end();
    },
    '/big-by-count.mp4': (_q, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' }); // chunked: no length to check up front
      const chunk = Buffer.alloc(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent <= LIMIT + chunk.length) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    },
    '/empty.mp4': (_q, res) => res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '0' }).end(),
    '/cut.mp4': serveFile(truncated),
    '/noise.mp4': (_q, res) => res.writeHead(200, { 'content-type': 'video/mp4' }).end(Buffer.alloc(50_000, 7)),
    '/song.mp4': serveFile(audio),
    '/playlist.mp4': (_q, res) => res.writeHead(200, { 'content-type': 'video/mp4' }).end(playlistText),
    '/canary.ts': (_q, res) => res.writeHead(200).end('canary'),
    '/to-forbidden-ip.mp4': (_q, res) => res.writeHead(302, { location: `http://127.0.0.2:${forbiddenPort}/x.mp4` }).end(),
    '/to-ipv6-loopback.mp4': (_q, res) => res.writeHead(301, { location: `http://[::1]:${forbiddenPort}/x.mp4` }).end(),
    '/loop-a.mp4': (_q, res) => res.writeHead(302, { location: '/loop-b.mp4' }).end(),
    '/loop-b.mp4': (_q, res) => res.writeHead(302, { location: '/loop-a.mp4' }).end(),
    ...Object.fromEntries(
      Array.from({ length: 7 }, (_, i) => [`/hop${i}.mp4`, (_q: unknown, res: http.ServerResponse) => res.writeHead(302, { location: `/hop${i + 1}.mp4` }).end()]),
    ),
    '/hop7.mp4': serveFile(good),
  });
  const playlistText = (await readFile(await writeDisguisedHlsPlaylist(path.join(dir, 'pl.mp4'), { localFile: secret, url: site.url('/canary.ts') }))).toString();

  workers = await startTestWorkers(t);

  // An approved item that must come through every failure below unchanged.
  const res = await desk.submit(site.url('/good.mp4'), ids.playlistId);
  const done = await desk.settled(res.json().id);
  expect(done.status).toBe('awaiting_review');
  await app.inject({ method: 'POST', url: `/api/items/${done.id}/approve`, headers: { cookie }, payload: { acknowledge: ['watched_elsewhere'] } });
  sentinel = { id: done.id, row: await t.ctx.repos.items.get(done.id) };
});

afterAll(async () => {
  await workers?.close(1000);
  await app?.close();
  await site?.close();
  await new Promise((r) => forbidden?.close(r));
  await t?.cleanup();
});

async function expectFailure(route: string, code: string) {
  const res = await desk.submit(site.url(route), ids.playlistId);
  expect(res.statusCode).toBe(202);
  const item = await desk.settled(res.json().id);
  expect(item.status).toBe('failed');
  expect(item.error.code).toBe(code);
  expect(item.error.message.length).toBeGreaterThan(10);
  // Nothing of it stays on disk: no scratch folder, no published media.
  expect(await hasWork(t, item.id)).toBe(false);
  expect(await hasMedia(t, item.id)).toBe(false);
  return item;
}

describe('bad remote answers', () => {
  it('a web page where a video was expected', async () => {
    await expectFailure('/page.mp4', 'not_a_video');
  });
  it('404 fails at once, without retries', async () => {
    await expectFailure('/gone.mp4', 'fetch_not_found');
    expect(site.hits.get('/gone.mp4')).toBe(1);
  });
  it('500 then success is retried and ends ready for review', async () => {
    const res = await desk.submit(site.url('/flaky.mp4'), ids.playlistId);
    const item = await desk.settled(res.json().id);
    expect(item.status).toBe('awaiting_review');
    expect(site.hits.get('/flaky.mp4')).toBe(2);
  });
  it('a connection that stalls mid-body times out, is retried, then fails', async () => {
    await expectFailure('/stall.mp4', 'fetch_timeout');
    expect(site.hits.get('/stall.mp4')).toBe(4);
  });
  it('a file over the size limit, by its header', async () => {
    await expectFailure('/big-by-header.mp4', 'fetch_too_large');
  });
  it('a file over the size limit, by counting bytes', async () => {
    await expectFailure('/big-by-count.mp4', 'fetch_too_large');
  });
  it('zero bytes', async () => {
    await expectFailure('/empty.mp4', 'fetch_empty');
  });
});

describe('bad media', () => {
  it('a truncated file', async () => {
    await expectFailure('/cut.mp4', 'media_unreadable');
  });
  it('bytes that are not media at all', async () => {
    await expectFailure('/noise.mp4', 'media_unreadable');
  });
  it('audio only', async () => {
    await expectFailure('/song.mp4', 'media_no_video');
  });
  it('an HLS playlist disguised as .mp4 never makes ffmpeg read the files or addresses it names', async () => {
    await expectFailure('/playlist.mp4', 'media_unreadable');
    expect(site.hits.get('/canary.ts') ?? 0).toBe(0);
  });
});

describe('redirects', () => {
  it('a 302 to a literal loopback IP outside the allow list is refused without connecting', async () => {
    await expectFailure('/to-forbidden-ip.mp4', 'fetch_blocked_address');
    await expectFailure('/to-ipv6-loopback.mp4', 'fetch_blocked_address');
    expect(forbiddenHits).toBe(0);
  });
  it('a redirect loop', async () => {
    await expectFailure('/loop-a.mp4', 'fetch_redirect_loop');
  });
  it('more than five redirects', async () => {
    await expectFailure('/hop0.mp4', 'fetch_too_many_redirects');
  });
  it('five redirects are followed', async () => {
    const res = await desk.submit(site.url('/hop2.mp4'), ids.playlistId);
    expect((await desk.settled(res.json().id)).status).toBe('awaiting_review');
  });
});

describe('duplicates', () => {
  it('the same job enqueued twice, and a stale media job still ending when the fetch hands over, produce one download and one output', async () => {
    const before = site.hits.get('/good.mp4') ?? 0;
    // A query the canonical form keeps, so this is a new source rather than a reuse of the earlier copy.
    const res = await desk.submit(site.url('/good.mp4?copy=duplicates'), ids.playlistId);
    const id = res.json().id;
    expect(res.json().status).toBe('queued');
    // The order a loaded machine produced now and then, made certain: a stale media job reads the item before the
    // fetch has handed it over, and is still ending when the fetch stage adds the media job under the same id (which
    // BullMQ drops, the id being taken). The item must still be made, once.
    let staleRead!: () => void;
    const staleHasRead = new Promise<void>((r) => (staleRead = r));
    const mediaRuns: string[] = [];
    const { fetch: realFetch, media: realMedia } = HANDLERS;
    HANDLERS.fetch = async (ctx, data, signal) => {
      if (data.itemId === id) await staleHasRead;
      return realFetch(ctx, data, signal);
    };
    HANDLERS.media = async (ctx, data, signal) => {
      const outcome = await realMedia(ctx, data, signal);
      if (data.itemId !== id) return outcome;
      mediaRuns.push(outcome);
      if (mediaRuns.length === 1) {
        staleRead();
        // Ends only once the fetch job has ended, i.e. after its hand-off was dropped.
        await waitFor(async () => !(await t.ctx.producer.queueFor('fetch').getJob(jobIdFor('fetch', id, 0))), 30_000, 20);
      }
      return outcome;
    };
    try {
      await t.ctx.producer.enqueue('fetch', id, 0);
      await t.ctx.producer.enqueue('fetch', id, 0);
      await t.ctx.producer.enqueue('media', id, 0);
      const item = await desk.settled(id);
      expect(item.status).toBe('awaiting_review');
      // The stale job found nothing owed yet; the media stage then ran once more and made the item. The item is
      // awaiting review a moment before that run returns (with media on S3 the moment is longer): wait for its outcome.
      await waitFor(async () => mediaRuns.length >= 2, 10_000, 20);
      expect(mediaRuns).toEqual(['skipped', 'done']);
      expect((site.hits.get('/good.mp4') ?? 0) - before).toBe(1);
      // One output: the video, its pictures and its storyboard (one sprite and a picture per scene), nothing twice.
      const names = await publishedFiles(t, id);
      expect(names.filter((n) => !/^0\/scene-\d\d\.jpg$/.test(n))).toEqual(['0/poster.jpg', '0/storyboard.jpg', '0/thumbnail.jpg', '0/video.mp4']);
      expect(names.filter((n) => n.startsWith('0/scene-')).length).toBe(item.checks.scenes.length);
    } finally {
      Object.assign(HANDLERS, { fetch: realFetch, media: realMedia });
    }
  });
});

describe('everything else', () => {
  it('leaves the approved item untouched and on the board', async () => {
    expect(await t.ctx.repos.items.get(sentinel.id)).toEqual(sentinel.row);
    const board = (await app.inject({ method: 'GET', url: `/api/board/${ids.boardToken}` })).json();
    expect(board.playlists[0].items.map((i: { id: string }) => i.id)).toContain(sentinel.id);
  });
});
