/**
 * YouTube links through the whole service, offline: the API takes the link, the workers fetch it with the real
 * built-in ytdl-core backend from a local stand-in for YouTube (test/helpers/fake-youtube.ts, handed in as
 * AppContext.videoSite), ffmpeg cuts the clip, a teacher reviews and approves, the board shows it with captions.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningWorkers } from '../../src/worker/runtime.js';
import { startFakeYouTube, type FakeYouTube } from '../helpers/fake-youtube.js';
import { deskFor, type Desk } from '../helpers/desk.js';
import { buildTestApp, createTestEnv, makeClassAndPlaylist, signInTeacher, type TestApp, type TestEnv } from '../helpers/harness.js';
import { startTestWorkers } from '../helpers/workers.js';

vi.setConfig({ testTimeout: 15_000, hookTimeout: 30_000 });

const OK = 'VettedOk001';
const AGE = 'VettedAge05';
const BLOCKED = 'Vetted403x7';
/** The fake's media is 2 s long (the fixture's lengthSeconds); the links below start at 1 s. */
const SOURCE_SECONDS = 2;

let t: TestEnv;
let yt: FakeYouTube;
let app: TestApp;
let workers: RunningWorkers;
let cookie: string;
let ids: { classId: string; boardToken: string; playlistId: string };
let desk: Desk;

beforeAll(async () => {
  yt = await startFakeYouTube({ seconds: SOURCE_SECONDS });
  yt.addVideo(OK);
  yt.addVideo(AGE, { fixture: 'player-age-restricted.json' });
  // Progressive only, refused by googlevideo: every attempt is one refused media request.
  yt.addVideo(BLOCKED, { edit: (pr) => void (pr.streamingData.adaptiveFormats = []), refuseMedia: true });

  t = await createTestEnv({ JOB_BACKOFF_MS: '50' });
  // Before workers and app exist, so both use the stand-in instead of the configured backend.
  t.ctx.videoSite = yt.videoSite({ chunkBytes: 16 * 1024 });
  workers = await startTestWorkers(t);
  app = await buildTestApp(t);
  cookie = await signInTeacher(t, app);
  desk = deskFor(app, cookie);
  ids = await makeClassAndPlaylist(app, cookie, 'videos');
});

afterAll(async () => {
  await workers?.close(1000);
  await app?.close();
  await t?.cleanup();
  await yt?.close();
});

describe('a YouTube link, end to end', () => {
  let first: { id: string; url: string };

  it('is accepted as a video clip and reaches review with picture, poster, thumbnail, captions and checks', async () => {
    const res = await desk.submit(`https://youtu.be/${OK}?t=1`, ids.playlistId);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ kind: 'video', status: 'queued', startSeconds: 1, endSeconds: null, notice: null });

    const item = await desk.settled(res.json().id, 15_000);
    first = item;
    expect(item.error).toBeNull();
    expect(item.status).toBe('awaiting_review');
    expect(item.title).toBe('Counting ducks');
    expect(item.source.name).toBe('Vetted Test Channel');
    expect(item.checks).toMatchObject({ channel: 'Vetted Test Channel', ageRestricted: false, familySafe: true, captions: true, flags: [] });
    // The clip, not the whole video: YouTube's 2 s minus the 1 s start.
    expect(item.checks.durationSeconds).toBeGreaterThan(SOURCE_SECONDS - 1 - 0.35);
    expect(item.checks.durationSeconds).toBeLessThan(SOURCE_SECONDS - 1 + 0.35);
    expect(item.details).toMatchObject({ source: 'youtube', backend: 'ytdl', youtubeId: OK });
    for (const key of ['video', 'poster', 'thumbnail', 'captions'] as const) {
      expect(item.media[key]).toMatch(/^\/media\/items\//);
    }

    const vtt = await app.inject({ method: 'GET', url: item.media.captions, headers: { cookie } });
    expect(vtt.statusCode).toBe(200);
    expect(vtt.headers['content-type']).toMatch(/^text\/vtt/);
    expect(vtt.body.startsWith('WEBVTT')).toBe(true);
    // The clip starts at 1 s (t=1): the captions start with it, and the cue before it is gone.
    expect(vtt.body).toContain('00:00:00.000 --> 00:00:01.000\nTwo ducks.');
    expect(vtt.body).not.toContain('One duck');
    const video = await app.inject({ method: 'GET', url: item.media.video, headers: { cookie } });
    expect(video.statusCode).toBe(200);
    expect(video.headers['content-type']).toBe('video/mp4');

    // The real ytdl-core path ran: watch page, player script, deciphered media, WebVTT captions.
    expect(yt.seen.some((s) => s.startsWith(`www.youtube.com/watch?v=${OK}`))).toBe(true);
    expect(yt.seen.some((s) => s.includes('googlevideo.com/videoplayback') && s.includes(`id=${OK}`))).toBe(true);
    expect(yt.seen.some((s) => s.startsWith('www.youtube.com/api/timedtext') && s.includes('fmt=vtt'))).toBe(true);
  });

  it('once approved, is on the board with its captions under the board\'s own media URLs', async () => {
    const approved = await app.inject({ method: 'POST', url: `/api/items/${first.id}/approve`, headers: { cookie }, payload: { acknowledge: ['watched_elsewhere'] } });
    expect(approved.statusCode).toBe(200);
    const board = (await app.inject({ method: 'GET', url: `/api/board/${ids.boardToken}` })).json();
    const tile = board.playlists[0].items.find((i: { id: string }) => i.id === first.id);
    expect(tile).toMatchObject({ kind: 'video', title: 'Counting ducks', startSeconds: 1 });
    expect(tile.source.name).toBe('Vetted Test Channel');
    expect(tile.media.captions).toMatch(/^\/media\/board\//);
    const vtt = await app.inject({ method: 'GET', url: tile.media.captions });
    expect(vtt.statusCode).toBe(200);
    expect(vtt.body.startsWith('WEBVTT')).toBe(true);
  });

  it('the same video and start spelt another way is the same source: reused at once, nothing fetched', async () => {
    const before = yt.seen.length;
    const res = await desk.submit(`https://www.youtube.com/watch?v=${OK}&list=PLvettedtest0000&t=1s`, ids.playlistId);
    expect(res.statusCode).toBe(202);
    const again = res.json();
    expect(again).toMatchObject({ kind: 'video', status: 'awaiting_review', startSeconds: 1, title: 'Counting ducks' });
    expect(again.checks.reusedFrom).toBe(first.id);
    expect(again.media.captions).toMatch(/^\/media\/items\//);
    expect(yt.seen.length).toBe(before);
    // Its own review: not on the board until approved.
    const board = (await app.inject({ method: 'GET', url: `/api/board/${ids.boardToken}` })).json();
    expect(board.playlists[0].items.map((i: { id: string }) => i.id)).not.toContain(again.id);
  });
});

describe('YouTube refusals end the item with a reason', () => {
  it('an age-restricted video fails as youtube_age_restricted, without downloading anything', async () => {
    const res = await desk.submit(`https://www.youtube.com/watch?v=${AGE}`, ids.playlistId);
    expect(res.statusCode).toBe(202);
    const item = await desk.settled(res.json().id, 15_000);
    expect(item.status).toBe('failed');
    expect(item.error.code).toBe('youtube_age_restricted');
    expect(item.media).toBeNull();
    expect(yt.seen.some((s) => s.includes('videoplayback') && s.includes(`id=${AGE}`))).toBe(false);
  });

  it('a 403 on the media stream is retried by the queue, then fails as youtube_blocked', async () => {
    const res = await desk.submit(`https://youtu.be/${BLOCKED}`, ids.playlistId);
    expect(res.statusCode).toBe(202);
    const item = await desk.settled(res.json().id, 15_000);
    expect(item.status).toBe('failed');
    expect(item.error.code).toBe('youtube_blocked');
    expect(item.error.message).toMatch(/YouTube refused to send this video/);
    // No retry is coming any more, so the message promises none: it says Vetted stopped, and the way out.
    expect(item.error.message).toMatch(/Vetted tried 4 times and has stopped/);
    expect(item.error.message).toMatch(/Download the video and upload the file/);
    expect(item.error.message).not.toMatch(/will try again/);
    // Transient, so the fetch stage's attempts (4) each asked googlevideo again before giving up.
    const tries = yt.seen.filter((s) => s.startsWith(`rr1---sn-vetted.googlevideo.com/videoplayback?id=${BLOCKED}`));
    expect(tries.length).toBeGreaterThan(1);
    expect(tries.length).toBeLessThanOrEqual(4);
  });
});
