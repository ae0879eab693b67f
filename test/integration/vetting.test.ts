/**
 * The vetting aids through the whole service (issue 12): a linked Matroska file with full-frame flashing, a quiet
 * sound track and a SubRip track with a swear word. The staff item shows the flashing fail with its moment, the
 * loudness, the storyboard and the flagged word with its time; approving needs the acknowledgement, audited; the
 * school's own word list is the admin's, audited, and used by the next screen.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorkers } from '../../src/worker/runtime.js';
import { deskFor, type Desk } from '../helpers/desk.js';
import { auditActions } from '../helpers/governance.js';
import { ffmpeg, fixturesDir } from '../helpers/fixtures-media.js';
import { serveFile, startFixtureServer } from '../helpers/fixture-server.js';
import { buildTestApp, createTestEnv, makeClassAndPlaylist, signInAdminAndTeacher, type TestApp, type TestEnv } from '../helpers/harness.js';
import { startTestWorkers } from '../helpers/workers.js';

let t: TestEnv;
let app: TestApp;
let workers: RunningWorkers;
let teacher: string;
let admin: string;
let site: Awaited<ReturnType<typeof startFixtureServer>>;
let playlistId: string;
let desk: Desk;

beforeAll(async () => {
  t = await createTestEnv({ JOB_BACKOFF_MS: '100' });
  app = await buildTestApp(t);
  workers = await startTestWorkers(t);
  ({ admin, teacher } = await signInAdminAndTeacher(t, app));
  ({ playlistId } = await makeClassAndPlaylist(app, teacher));
  desk = deskFor(app, teacher);
  const dir = await fixturesDir(t);
  const srt = path.join(dir, 'subs.srt');
  await writeFile(srt, '1\n00:00:01,000 --> 00:00:02,000\nHello class\n\n2\n00:00:03,500 --> 00:00:04,500\nOh shit, the frogspawn\n');
  const flashing = path.join(dir, 'flashing.mkv');
  await ffmpeg([
    '-f', 'lavfi', '-i', "color=c=black:s=320x180:r=30,geq=lum='if(lt(mod(T\\,0.2)\\,0.1)\\,16\\,235)':cb=128:cr=128",
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000,volume=-12dB',
    '-i', srt,
    '-t', '5', '-map', '0:v', '-map', '1:a', '-map', '2:s',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-c:s', 'srt', flashing,
  ]);
  const calm = path.join(dir, 'calm.mp4');
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25', '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', calm]);
  site = await startFixtureServer({
    '/flashing.mkv': serveFile(flashing, 'video/x-matroska'),
    '/frogspawn-facts.mp4': serveFile(calm, 'video/mp4'),
  });
});

afterAll(async () => {
  await workers?.close(1000);
  await app?.close();
  await site?.close();
  await t?.cleanup();
});

async function submitAndSettle(url: string) {
  const res = await desk.submit(url, playlistId);
  expect(res.statusCode, res.body).toBe(202);
  return desk.settled(res.json().id, 60_000);
}

describe('the checks on the staff item', () => {
  let item: Record<string, any>;
  beforeAll(async () => {
    item = await submitAndSettle(site.url("/flashing.mkv"));
  });

  it('reports the flashing as a fail with its moment', () => {
    expect(item.status).toBe('awaiting_review');
    expect(item.checks.flashing.verdict).toBe('fail');
    expect(item.checks.flashing.moments[0]).toMatchObject({ kind: 'luminance' });
    expect(item.checks.flashing.moments[0].startSeconds).toBeLessThan(1);
  });

  it('normalises the sound and says by how much', () => {
    expect(item.checks.loudness.inputLufs).toBeLessThan(-30);
    expect(Math.abs(item.checks.loudness.outputLufs + 16)).toBeLessThanOrEqual(1);
    expect(item.checks.loudness.truePeakDb).toBeLessThanOrEqual(-1);
  });

  it('makes the embedded subtitle track the captions and flags its swear word with its time', async () => {
    expect(item.media.captions).toMatch(/captions\.vtt$/);
    const vtt = await app.inject({ method: 'GET', url: item.media.captions, headers: { cookie: teacher } });
    expect(vtt.statusCode).toBe(200);
    expect(vtt.body).toContain('Oh shit');
    const hits = item.checks.words.filter((w: { source: string }) => w.source === 'captions');
    expect(hits, JSON.stringify(item.checks.words)).toEqual([expect.objectContaining({ word: 'shit', context: 'Oh shit, the frogspawn' })]);
    // Matroska keeps cue times to the container's tick; the time is the cue's, within a frame.
    expect(hits[0].startSeconds).toBeCloseTo(3.5, 1);
    expect(item.checks.captions).toBe(true);
  });

  it('has a storyboard whose pictures staff can open', async () => {
    expect(item.media.storyboard).toMatch(/storyboard\.jpg$/);
    expect(item.checks.scenes.length).toBeGreaterThan(0);
    expect(item.checks.scenes[0].startSeconds).toBe(0);
    const pic = await app.inject({ method: 'GET', url: item.checks.scenes[0].thumbnail, headers: { cookie: teacher } });
    expect(pic.statusCode).toBe(200);
    expect(item.details?.vetting).toBeUndefined();
  });

  it('refuses to approve without the flashing acknowledgement, then records it', async () => {
    // The reviewer watched it on another screen (issue 15's rule is not what this test is about).
    const refused = await app.inject({ method: 'POST', url: `/api/items/${item.id}/approve`, headers: { cookie: teacher }, payload: { acknowledge: ['watched_elsewhere'] } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('check_acknowledgement_required');
    expect(refused.json().error.message).toMatch(/flashing/);
    const bad = await app.inject({ method: 'POST', url: `/api/items/${item.id}/approve`, headers: { cookie: teacher }, payload: { acknowledge: 'flashing' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('acknowledge') });
    // An empty body, or none at all, is a plain approve: refused by the same rules (409), never a 400.
    for (const payload of [{}, undefined]) {
      const plain = await app.inject({ method: 'POST', url: `/api/items/${item.id}/approve`, headers: { cookie: teacher }, ...(payload ? { payload } : {}) });
      expect(plain.statusCode, plain.body).toBe(409);
    }
    const ok = await app.inject({ method: 'POST', url: `/api/items/${item.id}/approve`, headers: { cookie: teacher }, payload: { acknowledge: ['watched_elsewhere', 'flashing'] } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().status).toBe('approved');
    const entry = (await auditActions(app, admin, 'action=item.approve')).find((e) => e.target === `item:${item.id}`);
    expect((entry?.detail as { acknowledged: string[] }).acknowledged.sort()).toEqual(['flashing', 'watched_elsewhere']);
  });
});

describe("the school's word list", () => {
  it('is the admin’s: teachers may not read or change it, bad lists are refused', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/admin/word-list', headers: { cookie: teacher } })).statusCode).toBe(403);
    const put = await app.inject({ method: 'PUT', url: '/api/admin/word-list', headers: { cookie: teacher }, payload: { flag: ['x'], ignore: [] } });
    expect(put.statusCode).toBe(403);
    const bad = await app.inject({ method: 'PUT', url: '/api/admin/word-list', headers: { cookie: admin }, payload: { flag: ['x'.repeat(81)], ignore: [] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBeTruthy();
  });

  it('is saved cleaned, audited, and flags the next item', async () => {
    const put = await app.inject({ method: 'PUT', url: '/api/admin/word-list', headers: { cookie: admin }, payload: { flag: [' Frogspawn ', 'frogspawn'], ignore: ['Damn'] } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toEqual({ flag: ['frogspawn'], ignore: ['damn'] });
    expect((await app.inject({ method: 'GET', url: '/api/admin/word-list', headers: { cookie: admin } })).json()).toEqual({ flag: ['frogspawn'], ignore: ['damn'] });
    const entry = (await auditActions(app, admin, 'action=word_list.update'))[0];
    expect(entry?.detail).toMatchObject({ flagAdded: ['frogspawn'], ignoreAdded: ['damn'] });

    const item = await submitAndSettle(site.url("/frogspawn-facts.mp4"));
    expect(item.status).toBe('awaiting_review');
    // No sound and no captions: loudness null; the title (from the file name) is screened with the school's list.
    expect(item.checks.loudness).toBeNull();
    expect(item.checks.words, JSON.stringify(item.checks.words)).toEqual([expect.objectContaining({ word: 'frogspawn', source: 'title', startSeconds: null })]);
    expect(item.checks.flashing.verdict).toBe('pass');
    // A passing check needs no acknowledgement of its own.
    const approve = await app.inject({ method: 'POST', url: `/api/items/${item.id}/approve`, headers: { cookie: teacher }, payload: { acknowledge: ['watched_elsewhere'] } });
    expect(approve.statusCode, approve.body).toBe(200);
  });
});
