import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deskFor, type Desk } from '../helpers/desk.js';
import { fixturesDir, makeFixture, mediaBinaries } from '../helpers/fixtures-media.js';
import { serveFile, startFixtureServer } from '../helpers/fixture-server.js';
import { buildTestApp, childEnv, createTestEnv, makeClassAndPlaylist, signInTeacher, waitFor, type TestApp, type TestEnv } from '../helpers/harness.js';
import { startTestWorkers } from '../helpers/workers.js';
import { startTypeScript, untilOutput } from '../helpers/processes.js';
import { hasWork, publishedFiles } from '../helpers/stored.js';

// Crashes and lost jobs: a worker process killed with SIGKILL mid-transcode, a clean SIGTERM, and
// Redis forgetting every job. Postgres is the truth; the pipeline must end with one output and no
// scratch files, whatever happened in between.
let t: TestEnv;
let app: TestApp;
let cookie: string;
let ids: { playlistId: string };
let site: Awaited<ReturnType<typeof startFixtureServer>>;
const children: ChildProcess[] = [];
let realTimeFfmpeg: string;
let ffprobe: string;
let desk: Desk;

beforeAll(async () => {
  t = await createTestEnv({ JOB_BACKOFF_MS: '100', JOB_LOCK_MS: '2000' });
  app = await buildTestApp(t);
  cookie = await signInTeacher(t, app);
  desk = deskFor(app, cookie);
  ids = await makeClassAndPlaylist(app, cookie);
  const dir = await fixturesDir(t);
  // A VP9 file, so the media stage transcodes it. The worker to be killed reads it at its own pace (see below).
  const slow = await makeFixture('vp9', path.join(dir, 'slow.webm'), { seconds: 8, width: 640, height: 360 });
  // That worker's ffmpeg reads its input in real time (`-re`): the transcode then lasts the clip's 8 seconds on any
  // machine, so the kill lands mid-transcode however fast the machine is, and the worker that takes over transcodes
  // at full speed, however slow it is. (It was a 20-second 960×540 clip transcoded one and a half times at full
  // speed: too quick to kill on a fast machine, and over the test's minute on a loaded one.)
  const real = mediaBinaries();
  realTimeFfmpeg = path.join(dir, 'ffmpeg-real-time');
  await writeFile(realTimeFfmpeg, `#!/bin/sh\nexec '${real.ffmpeg}' -re "$@"\n`, { mode: 0o755 });
  ffprobe = real.ffprobe;
  const quick = await makeFixture('h264', path.join(dir, 'quick.mp4'), { seconds: 2 });
  site = await startFixtureServer({ '/slow.webm': serveFile(slow, 'video/webm'), '/quick.mp4': serveFile(quick) });
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await app?.close();
  await site?.close();
  await t?.cleanup();
});

function workerProcess(extraEnv: Record<string, string> = {}): ChildProcess & { ready: Promise<void> } {
  const worker = startTypeScript('src/worker/main.ts', childEnv(t, extraEnv));
  children.push(worker.child);
  const ready = untilOutput(worker, '[worker] ready');
  ready.catch(() => undefined);
  return Object.assign(worker.child, { ready });
}

describe('a worker killed with SIGKILL mid-transcode', () => {
  it('is taken over after restart: one output, no scratch files, item ready', async () => {
    const first = workerProcess({ FFMPEG_PATH: realTimeFfmpeg, FFPROBE_PATH: ffprobe });
    await first.ready;
    const res = await desk.submit(site.url('/slow.webm'), ids.playlistId);
    const id = res.json().id as string;
    await waitFor(async () => {
      const item = await desk.item(id);
      return item.status === 'processing' && item.progress >= 5;
    }, 60_000, 50);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect((await desk.item(id)).status).toBe('processing');

    const second = workerProcess();
    await second.ready;
    const done = await desk.settled(id, 90_000);
    expect(done.status).toBe('awaiting_review');
    expect(done.durationSeconds).toBeGreaterThan(7);
    // One output: a single generation, with the video, its pictures and the storyboard made in the same decode.
    const files = await publishedFiles(t, id);
    expect(files.every((f) => f.startsWith('0/'))).toBe(true);
    expect(files).toEqual(expect.arrayContaining(['0/poster.jpg', '0/thumbnail.jpg', '0/video.mp4', '0/storyboard.jpg']));
    expect(await hasWork(t, id)).toBe(false);

    // SIGTERM: the worker stops cleanly and promptly.
    second.kill('SIGTERM');
    const code = await new Promise((r) => second.once('exit', r));
    expect(code).toBe(0);
  });
});

describe('Redis losing its jobs', () => {
  it('the reconciler re-enqueues every item left in a working state', async () => {
    // Submitted while no worker runs; then every job vanishes from Redis.
    const res = await desk.submit(site.url('/quick.mp4'), ids.playlistId);
    const id = res.json().id as string;
    for (const stage of ['fetch', 'media'] as const) await t.ctx.producer.queueFor(stage).obliterate({ force: true });
    expect(await t.ctx.producer.queueFor('fetch').getJobCounts()).toMatchObject({ waiting: 0 });

    // An item stuck half-way (fetching) with its job gone, as after a crash between two steps.
    const stuck = (await desk.submit(site.url('/quick.mp4'), ids.playlistId)).json();
    await t.ctx.producer.queueFor('fetch').obliterate({ force: true });
    await t.ctx.repos.items.transition(stuck.id, 'fetching', {}, ['queued']);

    const workers = await startTestWorkers(t);
    try {
      for (const itemId of [id, stuck.id]) {
        const done = await desk.settled(itemId);
        expect(done.status).toBe('awaiting_review');
      }
      // Nothing is left to reconcile once everything has settled.
      expect(await workers.reconcileNow()).toBe(0);
    } finally {
      await workers.close(1000);
    }
  });
});
