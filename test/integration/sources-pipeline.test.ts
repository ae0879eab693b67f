import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorkers } from '../../src/worker/runtime.js';
import { fixturesDir, makeFixture } from '../helpers/fixtures-media.js';
import { deskFor, type Desk } from '../helpers/desk.js';
import { serveFile, startFixtureServer } from '../helpers/fixture-server.js';
import { buildTestApp, createTestEnv, makeClassAndPlaylist, signInTeacher, type TestApp, type TestEnv } from '../helpers/harness.js';
import { startTestWorkers } from '../helpers/workers.js';
import { readPublished } from '../helpers/stored.js';

// Web pages and site lists through the real pipeline, links told apart by URL or by sniffing,
// and the same source processed once.
let t: TestEnv;
let app: TestApp;
let workers: RunningWorkers;
let cookie: string;
let videos: { classId: string; boardToken: string; playlistId: string };
let sites: { playlistId: string };
let site: Awaited<ReturnType<typeof startFixtureServer>>;
let desk: Desk;

const ARTICLE = `<!doctype html><html lang="en"><head><title>Frogs | Pond Facts</title>
<meta property="og:site_name" content="Pond Facts"><meta name="author" content="Ada Frog">
<meta property="og:image" content="/og.png"></head><body>
<nav><a href="/">Home</a></nav><div class="cookie-banner">We use cookies</div>
<article><h1>All about frogs</h1>
<p>Frogs are amphibians. They start life as tadpoles in ponds and grow legs as they get older.</p>
<p>Most frogs eat insects, which they catch with their long sticky tongues. Frogs can jump many times their own length.</p>
<p>In winter some frogs sleep at the bottom of ponds. <a href="javascript:alert(1)">Click</a> <img src="/pic.png" alt="A frog" onerror="alert(1)"></p>
<script>document.write('tracked')</script><iframe src="https://ads.example/"></iframe></article>
<aside class="related">You may also like: sharks!</aside><section id="comments">Nasty comment</section></body></html>`;

beforeAll(async () => {
  t = await createTestEnv({ JOB_BACKOFF_MS: '100' });
  app = await buildTestApp(t);
  workers = await startTestWorkers(t);
  cookie = await signInTeacher(t, app);
  desk = deskFor(app, cookie);
  videos = await makeClassAndPlaylist(app, cookie, 'videos');
  sites = await makeClassAndPlaylist(app, cookie, 'sites');
  const dir = await fixturesDir(t);
  const png = await makeFixture('png', path.join(dir, 'frog.png'));
  const mp4 = await makeFixture('h264', path.join(dir, 'clip.mp4'), { seconds: 2 });
  site = await startFixtureServer({
    '/frogs.html': (_q, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(ARTICLE),
    '/frogs': (_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(ARTICLE),
    '/pic.png': serveFile(png, 'image/png'),
    '/og.png': serveFile(png, 'image/png'),
    '/clip.mp4': serveFile(mp4),
    '/stream': serveFile(mp4, 'application/octet-stream'),
  });
});

afterAll(async () => {
  await workers?.close(1000);
  await app?.close();
  await site?.close();
  await t?.cleanup();
});

describe('a web page in a site list', () => {
  let itemId: string;

  it('becomes a clean copy with its metadata, pictures stored locally, danger removed', async () => {
    const res = await desk.submit(site.url('/frogs.html'), sites.playlistId);
    expect(res.statusCode).toBe(202);
    expect(res.json().kind).toBe('webpage');
    expect(res.json().notice).toBeNull();
    const item = await desk.settled(res.json().id);
    itemId = item.id;
    expect(item.status).toBe('awaiting_review');
    expect(item.title).toMatch(/frogs/i);
    expect(item.source).toMatchObject({ name: 'Pond Facts', author: 'Ada Frog' });
    expect(item.checks.site).toBe('Pond Facts');
    expect(item.media.page).toMatch(/page\.html$/);
    expect(item.media.thumbnail).toMatch(/thumbnail\.jpg$/);

    const page = await app.inject({ method: 'GET', url: item.media.page, headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    const html = page.body;
    expect(html).toContain('Frogs are amphibians');
    expect(html).not.toMatch(/<script|<iframe|javascript:|onerror|cookies|sharks|Nasty comment/i);
    expect(html).toMatch(/src="img-\d+\.jpg"/);
    const img = /src="(img-\d+\.jpg)"/.exec(html)![1]!;
    const picture = await app.inject({ method: 'GET', url: item.media.page.replace('page.html', img), headers: { cookie } });
    expect(picture.statusCode).toBe(200);
    expect(picture.headers['content-type']).toBe('image/jpeg');
  });

  it('shows on the board only once approved, as a tile that opens the live site', async () => {
    const boardOf = async () => (await app.inject({ method: 'GET', url: `/api/board/${(await classOf(sites.playlistId)).token}` })).json();
    expect((await boardOf()).playlists[0].items).toEqual([]);
    await app.inject({ method: 'POST', url: `/api/items/${itemId}/approve`, headers: { cookie }, payload: { acknowledge: ['watched_elsewhere'] } });
    const tile = (await boardOf()).playlists[0].items[0];
    expect(tile).toMatchObject({ id: itemId, kind: 'webpage', url: site.url('/frogs.html') });
    expect(tile.title).toMatch(/frogs/i);
    expect(tile.source.name).toBe('Pond Facts');
    expect(tile.media.thumbnail).toContain('/media/board/');
  });
});

async function classOf(playlistId: string) {
  const { classes } = (await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie } })).json();
  const cls = classes.find((c: { playlists: Array<{ id: string }> }) => c.playlists.some((p) => p.id === playlistId));
  return cls.board as { token: string };
}

describe('links are taken for what they are', () => {
  it('a video link in a site list is a video, and the API says so', async () => {
    const res = await desk.submit(site.url('/clip.mp4'), sites.playlistId);
    expect(res.json().kind).toBe('video');
    expect(res.json().notice.code).toBe('video_in_site_list');
    expect((await desk.settled(res.json().id)).status).toBe('awaiting_review');
  });

  it('a web page in a video list is a web page, and the API says so', async () => {
    const res = await desk.submit(site.url('/frogs.html'), videos.playlistId);
    expect(res.json().kind).toBe('webpage');
    expect(res.json().notice.code).toBe('page_in_video_list');
  });

  it('a link whose URL does not tell is sniffed: HTML becomes a web page, bytes of a video a video', async () => {
    const page = await desk.settled((await desk.submit(site.url('/frogs'), videos.playlistId)).json().id);
    expect(page.kind).toBe('webpage');
    expect(page.status).toBe('awaiting_review');
    const video = await desk.settled((await desk.submit(site.url('/stream'), sites.playlistId)).json().id);
    expect(video.kind).toBe('video');
    expect(video.status).toBe('awaiting_review');
  });
});

describe('the same source is processed once', () => {
  it('a repeat submission shares the stored media at once and still needs its own approval', async () => {
    const first = await desk.settled((await desk.submit(site.url('/clip.mp4?utm_source=newsletter'), videos.playlistId)).json().id);
    const hits = site.hits.get('/clip.mp4');
    const t0 = Date.now();
    const res = await desk.submit(site.url('/clip.mp4'), sites.playlistId);
    const elapsed = Date.now() - t0;
    const again = res.json();
    expect(again.status).toBe('awaiting_review');
    expect(again.checks.reusedFrom).toBe(first.id);
    expect(elapsed).toBeLessThan(2000);
    expect(site.hits.get('/clip.mp4')).toBe(hits);
    const a = await readPublished(t, first.id, 0, 'video.mp4');
    const b = await readPublished(t, again.id, 0, 'video.mp4');
    expect(a.equals(b)).toBe(true);
    // Its own approval, its own board.
    expect((await app.inject({ method: 'GET', url: `/api/board/${(await classOf(sites.playlistId)).token}` })).json().playlists[0].items.map((i: { id: string }) => i.id)).not.toContain(again.id);
  });

  it('a different clip of the same source is processed anew', async () => {
    const res = await desk.submit(site.url('/clip.mp4'), videos.playlistId, { startSeconds: 0.5 });
    expect(res.json().status).toBe('queued');
  });
});

describe('YouTube links that are not a single video are refused at submit', () => {
  for (const [url, code] of [
    ['https://www.youtube.com/@SesameStreet', 'youtube_not_a_video'],
    ['https://www.youtube.com/playlist?list=PL1234567890', 'youtube_not_a_video'],
    ['https://www.youtube.com/channel/UC1234567890', 'youtube_not_a_video'],
    ['https://www.youtube.com/watch?v=short', 'youtube_bad_id'],
    ['https://youtu.be/', 'youtube_not_a_video'],
    ['https://www.youtube.com/watch?v=abc$%^&*()', 'youtube_bad_id'],
  ] as const) {
    it(`${url} → ${code}`, async () => {
      // Literal-IP check aside, submit resolves the host: stand YouTube's name in for a public address.
      const res = await desk.submit(url, videos.playlistId);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe(code);
    });
  }
});
