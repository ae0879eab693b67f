/**
 * The pipeline half of `npm run bench`, measured side by side in one run on this machine, as ratios:
 *
 *  pipeline  submit → awaiting_review of a 60 s 1280×720 VP9/Opus clip ÷ the bare ffmpeg command doing the same
 *            transcode: without the checks (the pipeline's own overhead: fetch, probe, poster and thumbnail, publish)
 *            ≤ 1.05, and with them (flashing, loudness, storyboard in the same decode) ≤ 1.15
 *  checks    bench/checks.ts: the media stage alone with its checks ÷ the bare ffmpeg (≤ 1.15); remux ÷ transcode of
 *            a 60 s H.264/AAC clip, without (≤ 0.10) and with checks (≤ 0.25)
 *  pages     a 200 KB article page fetched, cleaned and stored (median of 5); a repeat submission of an already
 *            processed source (page and video): well under 1 s
 *  memory    peak RSS of the worker process (compiled, as `npm start` runs it) while it downloads and transcodes a
 *            ~950 MB source                                                                              ≤ 150 MB
 *
 * Real Postgres, Redis and ffmpeg; the API in this process, the worker in its own (so its memory is its own); a
 * fixture server on 127.0.0.1 stands in for the remote site. Every ffmpeg runs at the worker's priority (nice 10).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { itemEvents } from '../src/db/item-events.js';
import { resolveBinaries } from '../src/media/binaries.js';
import { WORKER_NODE_FLAGS } from '../src/worker/node-flags.js';
import { serveFile, startFixtureServer } from '../test/helpers/fixture-server.js';
import { addStaff, buildTestApp, createTestEnv, makeClassAndPlaylist, signIn } from '../test/helpers/harness.js';
import { checksBench } from './checks.js';
import { limitRow, megabytes, ratioRow, seconds, type Row } from './table.js';

const run = promisify(execFile);

export type PipelinePart = 'pipeline' | 'checks' | 'pages' | 'memory';

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await fn();
  return [(performance.now() - t0) / 1000, v];
}

/**
 * Peak resident memory of the worker process and of the ffmpeg processes it starts, from /proc (VmHWM), the
 * process tree under `rootPid` walked every 200 ms.
 */
function rssSampler(rootPid: number) {
  let worker = 0;
  let ffmpegPeak = 0;
  const status = (p: string) => readFile(`/proc/${p}/status`, 'utf8').catch(() => '');
  const field = (s: string, name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  const timer = setInterval(async () => {
    const procs = new Map<string, { ppid: number; hwm: number; name: string }>();
    for (const p of await readdir('/proc').catch(() => [] as string[])) {
      if (!/^\d+$/.test(p)) continue;
      const s = await status(p);
      if (!s) continue;
      procs.set(p, { ppid: field(s, 'PPid'), hwm: field(s, 'VmHWM') * 1024, name: /Name:\s+(\S+)/.exec(s)?.[1] ?? '' });
    }
    const inTree = (p: string): boolean => {
      for (let cur = procs.get(p), guard = 0; cur && guard < 20; cur = procs.get(String(cur.ppid)), guard++) {
        if (cur.ppid === rootPid) return true;
      }
      return p === String(rootPid);
    };
    for (const [p, info] of procs) {
      if (!inTree(p)) continue;
      if (info.name === 'ffmpeg') ffmpegPeak = Math.max(ffmpegPeak, info.hwm);
      else if (info.name.startsWith('node')) worker = Math.max(worker, info.hwm);
    }
  }, 200);
  return { stop: () => (clearInterval(timer), { worker, ffmpeg: ffmpegPeak }) };
}

/** A plain article of about `bytes`: paragraphs of text, the kind of page a teacher vets. */
function articleHtml(bytes: number): string {
  const para = '<p>Frogs are amphibians that live near ponds and streams. They lay eggs called frogspawn, which hatch into tadpoles. Tadpoles grow legs, lose their tails and become froglets. ' +
    'Frogs breathe through their skin as well as their lungs, so they need to stay damp.</p>\n';
  const body = para.repeat(Math.ceil(bytes / para.length));
  return `<!doctype html><html lang="en"><head><title>All about frogs</title><meta property="og:site_name" content="Pond Facts"></head>` +
    `<body><nav>Home · Animals</nav><article><h1>All about frogs</h1>${body}</article><aside class="related">More</aside></body></html>`;
}

export async function pipelineBench(opts: { quick: boolean; parts: Set<PipelinePart>; rounds: number; checkRounds: number; verbose: boolean }): Promise<Row[]> {
  const { parts, quick } = opts;
  const bins = resolveBinaries();
  const ffmpeg = (args: string[], niceness = 0) =>
    run('nice', ['-n', String(niceness), bins.ffmpeg, '-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], { maxBuffer: 1 << 24 });
  const t = await createTestEnv({ JOB_BACKOFF_MS: '500' });
  const dir = path.join(t.dataDir, 'bench-src');
  await mkdir(dir, { recursive: true });
  const rows: Row[] = [];
  const children = new Set<ChildProcess>();
  try {
    const SECONDS = quick ? 10 : 60;
    const BIG_SECONDS = quick ? 60 : 720;
    console.log(`Pipeline: generating sources in ${dir} (not timed)…`);
    const vp9 = path.join(dir, 'clip-vp9.webm');
    const h264 = path.join(dir, 'clip-h264.mp4');
    const big = path.join(dir, 'big.mkv');
    const short = path.join(dir, 'short.webm');
    const src = (size: string, secs: number) => [
      '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(secs), '-map', '0:v', '-map', '1:a',
    ];
    const webm = ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '2M', '-c:a', 'libopus'];
    if (parts.has('pipeline') || parts.has('checks')) await ffmpeg([...src('1280x720', SECONDS), ...webm, vp9]);
    if (parts.has('pages')) await ffmpeg([...src('640x360', 5), ...webm, short]);
    if (parts.has('checks')) {
      await ffmpeg([...src('1280x720', SECONDS), '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', h264]);
    }
    if (parts.has('memory')) {
      // A large source whose size comes from bitrate, not length: intra-only MJPEG at top quality.
      await ffmpeg([...src('854x480', BIG_SECONDS), '-c:v', 'mjpeg', '-q:v', '1', '-pix_fmt', 'yuvj420p', '-c:a', 'pcm_s16le', big]);
    }

    // The service: API in this process, workers in their own (compiled first, as `npm start` does).
    await run(process.execPath, ['scripts/build.mjs', '--if-stale'], { maxBuffer: 1 << 24 });
    const app = await buildTestApp(t);
    await addStaff(t, 'bench@school.test');
    const cookie = await signIn(app, 'bench@school.test');
    const { playlistId } = await makeClassAndPlaylist(app, cookie);
    const article = articleHtml(200 * 1024);
    const site = await startFixtureServer({
      '/clip.webm': serveFile(vp9, 'video/webm'),
      '/short.webm': serveFile(short, 'video/webm'),
      '/big.mkv': serveFile(big, 'video/x-matroska'),
      '/article.html': (_q, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(article),
    });
    const env = {
      ...process.env,
      DATABASE_URL: t.databaseUrl, REDIS_URL: t.config.redisUrl, DATA_DIR: t.dataDir, QUEUE_PREFIX: t.config.queuePrefix,
      FETCH_ALLOW_PRIVATE: '127.0.0.1', VETTED_SKIP_MIGRATE: '1', MAX_DOWNLOAD_BYTES: String(4 * 1024 ** 3),
    };
    /** `compiled`: the production worker as `npm start` runs it; else the bench's own, with or without the checks. */
    const startWorker = async (kind: 'compiled' | 'with-checks' | 'without-checks'): Promise<ChildProcess> => {
      const args = kind === 'compiled'
        ? ['--enable-source-maps', ...WORKER_NODE_FLAGS, 'dist/src/worker/main.js']
        : ['--import', 'tsx', ...WORKER_NODE_FLAGS, 'bench/worker.ts', ...(kind === 'without-checks' ? ['--without-checks'] : [])];
      const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
      children.add(child);
      if (opts.verbose) child.stdout!.pipe(process.stderr);
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.once('exit', (code) => reject(new Error(`the worker stopped (${code}) before it was ready`)));
      });
      return child;
    };
    const stopWorker = async (child: ChildProcess) => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      children.delete(child);
    };
    // Items are seen settling through Postgres's item_changed notifications, as the desk sees them: a wait that polled
    // the API (20 reads a second) would take CPU from the ffmpeg it is timing.
    const events = itemEvents(t.databaseUrl);
    await events.start();
    const settled = new Set<string>();
    const waiting = new Map<string, () => void>();
    events.on((change) => {
      if (change.status !== 'awaiting_review' && change.status !== 'failed') return;
      settled.add(change.id);
      waiting.get(change.id)?.();
    });
    /** Submits a link and waits until it is ready for review (a link already processed is shared at once). */
    const submitAndWait = async (url: string) => {
      const res = await app.inject({ method: 'POST', url: '/api/items', headers: { cookie }, payload: { url, playlistId } });
      const created = res.json();
      if (created.status === 'awaiting_review') return created;
      const id = created.id as string;
      const deadline = Date.now() + 3_600_000;
      for (;;) {
        // Read when the item is heard settling, or every 2 s in case a notification was lost to a reconnect.
        if (!settled.has(id)) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 2_000);
            waiting.set(id, () => (clearTimeout(timer), resolve()));
          });
          waiting.delete(id);
        }
        const item = (await app.inject({ method: 'GET', url: `/api/items/${id}`, headers: { cookie } })).json();
        if (item.status === 'failed') throw new Error(`bench item failed: ${JSON.stringify(item.error)}`);
        if (item.status === 'awaiting_review') return item;
        settled.delete(id);
        if (Date.now() > deadline) throw new Error(`bench item ${id} not ready within an hour`);
      }
    };

    let runs = 0;
    if (parts.has('pipeline')) {
      const bareOut = path.join(dir, 'bare.mp4');
      // The bare command for the transcode the pipeline runs, at the worker's priority (nice 10).
      const bareRun = () =>
        ffmpeg(['-i', vp9, '-map', '0:V:0', '-map', '0:a:0', '-map_metadata', '-1', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
          '-vf', "scale=w='min(1920,iw)':h='min(1080,ih)':force_original_aspect_ratio=decrease:force_divisible_by=2",
          '-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-ar', '48000', '-movflags', '+faststart', bareOut], 10);
      // Each round runs the three in turn, so a change in the machine's other load falls on all of them alike.
      let bare = 0;
      let without = 0;
      let withChecks = 0;
      const timedPipeline = async (kind: 'with-checks' | 'without-checks') => {
        const worker = await startWorker(kind);
        try {
          // A link of its own each time, so no earlier result is shared.
          return (await timed(() => submitAndWait(site.url(`/clip.webm?run=${++runs}`))))[0];
        } finally {
          await stopWorker(worker);
        }
      };
      for (let r = 0; r < opts.rounds; r++) {
        console.log(`Pipeline: round ${r + 1} of ${opts.rounds}: bare ffmpeg, the pipeline without checks, with checks…`);
        bare += (await timed(bareRun))[0];
        without += await timedPipeline('without-checks');
        withChecks += await timedPipeline('with-checks');
      }
      const clip = `${SECONDS} s 720p VP9 → H.264`;
      rows.push(ratioRow(`pipeline without checks ÷ bare ffmpeg (${clip}, submit → awaiting review)`, without, bare, seconds, '≤', 1.05));
      rows.push(ratioRow(`pipeline with checks ÷ bare ffmpeg (same clip)`, withChecks, bare, seconds, '≤', 1.15));

    }

    if (parts.has('checks')) {
      console.log(`Checks: the media stage alone, remux and transcode, ${opts.checkRounds} rounds in turn…`);
      for (const [measure, measured, result, target] of await checksBench({ bins, dir, vp9, h264, repeats: opts.checkRounds })) {
        // "1.08 (CPU 1.02)" against "≤ 1.15": the wall-time ratio decides, as everywhere in the table.
        const value = Number.parseFloat(result);
        const limit = Number.parseFloat(target.replace(/[^\d.]/g, ''));
        rows.push({ measure, measured, result, target, pass: Number.isFinite(value) && value <= limit });
      }
    }

    if (parts.has('pages')) {
      console.log('Pages: five 200 KB articles, then repeats of a processed page and video…');
      const worker = await startWorker('compiled');
      try {
        const pageTimes: number[] = [];
        for (let i = 0; i < 5; i++) pageTimes.push((await timed(() => submitAndWait(site.url(`/article.html?n=${i}`))))[0]);
        const median = [...pageTimes].sort((a, b) => a - b)[2]!;
        rows.push({ measure: '200 KB article page, submit → awaiting review (median of 5)', measured: pageTimes.map((x) => x.toFixed(2)).join(', ') + ' s', result: seconds(median), target: '—' });
        await submitAndWait(site.url('/short.webm'));
        const [page] = await timed(() => submitAndWait(site.url('/article.html?n=0')));
        const [video] = await timed(() => submitAndWait(site.url('/short.webm')));
        const worst = Math.max(page, video);
        rows.push(limitRow('repeat submission of a processed source (page · video)', `${page.toFixed(3)} s · ${video.toFixed(3)} s`, worst, `${worst.toFixed(3)} s`, 1, '< 1 s'));
      } finally {
        await stopWorker(worker);
      }
    }

    if (parts.has('memory')) {
      const bigBytes = (await stat(big)).size;
      console.log(`Memory: the compiled worker downloading and transcoding a ${megabytes(bigBytes)} source…`);
      // A fresh worker, so its high-water mark is this download and transcode, not earlier work.
      const worker = await startWorker('compiled');
      try {
        const sampler = rssSampler(worker.pid!);
        const [bigTime] = await timed(() => submitAndWait(site.url('/big.mkv')));
        const peak = sampler.stop();
        rows.push(limitRow(
          `worker peak RSS (compiled), ${megabytes(bigBytes)} source downloaded and transcoded in ${bigTime.toFixed(0)} s`,
          `ffmpeg beside it: ${megabytes(peak.ffmpeg)}`,
          peak.worker / 1024 / 1024,
          megabytes(peak.worker),
          150,
          '≤ 150 MB',
        ));
      } finally {
        await stopWorker(worker);
      }
    }
    await events.close();
    await app.close();
    await site.close();
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
    await t.cleanup();
  }
  return rows;
}
