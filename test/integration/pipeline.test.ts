import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorkers } from '../../src/worker/runtime.js';
import { deskFor, type Desk } from '../helpers/desk.js';
import { buildTestApp, createTestEnv, makeClassAndPlaylist, signInTeacher, waitFor, type TestApp, type TestEnv } from '../helpers/harness.js';
import { startTestWorkers } from '../helpers/workers.js';
import { ffprobeJson, fixturesDir, makeFixture, topLevelBoxes } from '../helpers/fixtures-media.js';
import { serveFile, startFixtureServer } from '../helpers/fixture-server.js';
import { hasWork, localCopy, publishedGenerations, readPublished } from '../helpers/stored.js';

// The whole path on the real parts: fastify API, Postgres, Redis/BullMQ workers, ffmpeg, and a
// fixture web server on 127.0.0.1 standing in for the remote site.
let t: TestEnv;
let app: TestApp;
let workers: RunningWorkers;
let cookie: string;
let site: Awaited<ReturnType<typeof startFixtureServer>>;
let ids: { classId: string; boardToken: string; playlistId: string };
let files: Record<string, string>;
let desk: Desk;


beforeAll(async () => {
  t = await createTestEnv({ JOB_BACKOFF_MS: '100' });
  app = await buildTestApp(t);
  workers = await startTestWorkers(t);
  cookie = await signInTeacher(t, app);
  desk = deskFor(app, cookie);
  ids = await makeClassAndPlaylist(app, cookie);
  const dir = await fixturesDir(t);
  files = {
    h264: await makeFixture('h264-metadata', path.join(dir, 'frogs.mp4'), { seconds: 4 }),
    vp9: await makeFixture('vp9', path.join(dir, 'bees.webm'), { seconds: 2 }),
  };
  site = await startFixtureServer({
    '/Counting-with-frogs.mp4': serveFile(files.h264!),
    '/bees.webm': serveFile(files.vp9!, 'video/webm'),
  });
});

afterAll(async () => {
  await workers?.close(1000);
  await app?.close();
  await site?.close();
  await t?.cleanup();
});

describe('a direct video link, end to end', () => {
  let itemId: string;

  it('is accepted as queued and reaches awaiting_review as a clean faststart H.264 copy (remux path)', async () => {
    const res = await desk.submit(site.url('/Counting-with-frogs.mp4'), ids.playlistId);
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.status).toBe('queued');
    expect(body.title).toBe('Counting with frogs');
    itemId = body.id;

    const item = await desk.settled(itemId, 60_000);
    expect(item.status).toBe('awaiting_review');
    expect(item.progress).toBe(100);
    expect(item.durationSeconds).toBeGreaterThan(3.5);
    expect(item.details.encode).toBe('copy');
    expect(item.media.video).toMatch(/^\/media\/items\//);

    const file = await localCopy(t, itemId, 0, 'video.mp4');
    const probe = await ffprobeJson(file);
    const video = probe.streams.find((s) => s.codec_type === 'video')!;
    expect(video.codec_name).toBe('h264');
    expect(video.pix_fmt).toBe('yuv420p');
    expect(probe.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
    // The fixture carried a title and a GPS location; neither may survive.
    expect(probe.format.tags?.title).toBeUndefined();
    expect(probe.format.tags?.location).toBeUndefined();
    const boxes = await topLevelBoxes(file);
    expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    expect((await readPublished(t, itemId, 0, 'poster.jpg')).length).toBeGreaterThan(0);
    // Nothing is left in the scratch area once the item is ready.
    expect(await hasWork(t, itemId)).toBe(false);
  });

  it('shows nothing on the board before approval, and the item after', async () => {
    const before = (await app.inject({ method: 'GET', url: `/api/board/${ids.boardToken}` })).json();
    expect(before.class.name).toBe('Robins');
    expect(before.playlists[0].items).toEqual([]);

    const item = await desk.item(itemId);
    // A board cannot fetch the media of an unapproved item, even knowing its id.
    const boardUrl = item.media.video.replace('/media/items/', `/media/board/${ids.boardToken}/`);
    expect((await app.inject({ method: 'GET', url: boardUrl })).statusCode).toBe(404);

    const approved = await app.inject({ method: 'POST', url: `/api/items/${itemId}/approve`, headers: { cookie }, payload: { acknowledge: ['watched_elsewhere'] } });
    expect(approved.statusCode).toBe(200);
    expect(approved.json().status).toBe('approved');

    const after = (await app.inject({ method: 'GET', url: `/api/board/${ids.boardToken}` })).json();
    expect(after.playlists[0].items.map((i: { id: string }) => i.id)).toEqual([itemId]);
    const boardItem = after.playlists[0].items[0];
    expect(boardItem.media.video).toContain(`/media/board/${ids.boardToken}/`);
    const video = await app.inject({ method: 'GET', url: boardItem.media.video });
    expect(video.statusCode).toBe(200);
    expect(video.headers['content-type']).toBe('video/mp4');
    expect(video.headers['cache-control']).toContain('private');
  });

  it('serves Range requests with 206 and exactly the requested bytes', async () => {
    const item = await desk.item(itemId);
    const whole = await readPublished(t, itemId, 0, 'video.mp4');
    const res = await app.inject({ method: 'GET', url: item.media.video, headers: { cookie, range: 'bytes=100-1123' } });
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 100-1123/${whole.length}`);
    expect(res.rawPayload.equals(whole.subarray(100, 1124))).toBe(true);
  });

  it('keeps media from anonymous visitors and from the board of another class', async () => {
    const item = await desk.item(itemId);
    expect((await app.inject({ method: 'GET', url: item.media.video })).statusCode).toBe(401);
    const other = await makeClassAndPlaylist(app, cookie);
    const otherBoard = item.media.video.replace('/media/items/', `/media/board/${other.boardToken}/`);
    expect((await app.inject({ method: 'GET', url: otherBoard })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/api/board/${other.boardToken}` })).json().playlists[0].items).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/api/board/not-a-real-board-token' })).statusCode).toBe(404);
  });

  it('refuses an illegal transition with 409 and leaves the item as it was', async () => {
    const again = await app.inject({ method: 'POST', url: `/api/items/${itemId}/approve`, headers: { cookie }, payload: { acknowledge: ['watched_elsewhere'] } });
    // Approving it again is no failure but news: a colleague (or this teacher) already did.
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('already_approved');
    const rejected = await app.inject({ method: 'POST', url: `/api/items/${itemId}/reject`, headers: { cookie }, payload: { reason: 'too loud' } });
    expect(rejected.json().status).toBe('rejected');
    const board = (await app.inject({ method: 'GET', url: `/api/board/${ids.boardToken}` })).json();
    expect(board.playlists[0].items).toEqual([]);
    const reapprove = await app.inject({ method: 'POST', url: `/api/items/${itemId}/approve`, headers: { cookie }, payload: { acknowledge: ['watched_elsewhere'] } });
    expect(reapprove.statusCode).toBe(409);
    expect(reapprove.json().error.code).toBe('illegal_transition');
  });

  it('records submit, approve and reject in the audit log', async () => {
    const rows = await t.ctx.repos.auditQuery.list({ target: `item:${itemId}`, limit: 50 });
    const actions = rows.map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['item.submit', 'item.approve', 'item.reject']));
  });
});

describe('the transcode path', () => {
  it('turns VP9/WebM into H.264 yuv420p with AAC, and honours the clip the teacher chose', async () => {
    const res = await desk.submit(site.url('/bees.webm'), ids.playlistId, { startSeconds: 0.5, endSeconds: 1.5, title: 'Busy bees' });
    const item = await desk.settled(res.json().id, 60_000);
    expect(item.status).toBe('awaiting_review');
    expect(item.title).toBe('Busy bees');
    expect(item.details.encode).toBe('transcode');
    expect(item.durationSeconds).toBeGreaterThan(0.8);
    expect(item.durationSeconds).toBeLessThan(1.3);
    const probe = await ffprobeJson(await localCopy(t, item.id, 0, 'video.mp4'));
    const video = probe.streams.find((s) => s.codec_type === 'video')!;
    expect(video.codec_name).toBe('h264');
    expect(video.pix_fmt).toBe('yuv420p');
    expect(probe.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
  });

  it('re-makes an item with a new clip as a new generation and drops the old files', async () => {
    const res = await desk.submit(site.url('/bees.webm'), ids.playlistId);
    const first = await desk.settled(res.json().id, 60_000);
    expect(first.status).toBe('awaiting_review');
    const again = await app.inject({
      method: 'POST',
      url: `/api/items/${first.id}/reprocess`,
      headers: { cookie },
      payload: { startSeconds: 1 },
    });
    expect(again.statusCode).toBe(202);
    expect(again.json().status).toBe('queued');
    const second = await desk.settled(first.id, 60_000);
    expect(second.status).toBe('awaiting_review');
    expect(second.media.video).toContain(`/${first.id}/1/`);
    expect(second.durationSeconds).toBeLessThan(1.2);
    // The old generation goes right after the switch to the new one (in a bucket that takes a moment).
    await waitFor(async () => (await publishedGenerations(t, first.id)).join() === '1', 10_000, 50);
    expect(await publishedGenerations(t, first.id)).toEqual(['1']);
  });
});

describe('progress stream', () => {
  it('streams the item as server-sent events until it settles', async () => {
    const res = await desk.submit(site.url('/bees.webm'), ids.playlistId);
    const id = res.json().id;
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as import('node:net').AddressInfo).port;
    const sse = await fetch(`http://127.0.0.1:${port}/api/items/${id}/events`, { headers: { cookie } });
    expect(sse.headers.get('content-type')).toContain('text/event-stream');
    const text = await sse.text(); // the server ends the stream once the item settles
    const statuses = [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!).status as string);
    expect(statuses.at(-1)).toBe('awaiting_review');
    expect(new Set(statuses).size).toBeGreaterThan(1);
  });
});
