/**
 * `npm run bench`: speed and memory of the pipeline, measured side by side in one run on this
 * machine, printed as ratios (absolute seconds vary between machines; ratios much less).
 *
 *  1. pipeline wall time (submit → awaiting_review) for a 60 s 1280×720 VP9/Opus clip
 *     ÷ the bare ffmpeg command doing the same transcode          target ≤ 1.15
 *     (the pipeline runs the vetting checks in the same decode: flashing, loudness, storyboard)
 *  1c, 2, 2b (bench/checks.ts, `--checks` runs only these): the media stage alone with its checks ÷ the bare ffmpeg
 *     command (≤ 1.15); remux fast path ÷ transcode of a 60 s H.264/AAC clip (≤ 0.10); remux with the checks
 *     ÷ the same transcode (≤ 0.25) — in alternating rounds, wall and CPU time, medians of the rounds' ratios
 *  3. peak RSS of the worker process while it downloads and transcodes a ~1 GB source
 *                                                                  target ≤ 250 MB
 *  4. a 200 KB article page fetched, cleaned and stored (submit → awaiting_review), median of 5
 *  5. a repeat submission of an already-processed source           target: well under 1 s
 *  6. serving (bench/serving.ts): Range ÷ nginx, board API ÷ a bare node:http + pg server, and a load run of
 *     300 board streams + 50 Range readers + a teacher approving (`--serving` runs only these)
 *
 * Uses the real Postgres, Redis and ffmpeg, a worker in its own process (so its memory is its
 * own), and a fixture server on 127.0.0.1 standing in for the remote site.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir, mkdir, mkdtemp, stat, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveBinaries } from '../src/media/binaries.js';
import { servingBench } from './serving.js';
import { checksBench } from './checks.js';
import { serveFile, startFixtureServer } from '../test/helpers/fixture-server.js';
import { addStaff, buildTestApp, createTestEnv, makeClassAndPlaylist, signIn, waitFor } from '../test/helpers/harness.js';

const run = promisify(execFile);
const bins = resolveBinaries();
const quick = process.argv.includes('--quick'); // shorter clips, for a smoke run
const SECONDS = quick ? 10 : 60;
const BIG_SECONDS = quick ? 60 : 720;

async function ffmpeg(args: string[]) {
  await run(bins.ffmpeg, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], { maxBuffer: 1 << 24 });
}

async function niceFfmpeg(args: string[]) {
  await run('nice', ['-n', '10', bins.ffmpeg, '-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], { maxBuffer: 1 << 24 });
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await fn();
  return [(performance.now() - t0) / 1000, v];
}

/**
 * Peak resident memory of the worker (tsx runs it in a child node process, so the whole process
 * tree is walked) and of the ffmpeg processes it starts, sampled from /proc.
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

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

/** Rounds of the checks' budget; `--rounds N` to change. */
const ROUNDS = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 3;

async function main() {
  // `--serving`: only the serving measures (Range, board API, the load run), a couple of minutes.
  if (process.argv.includes('--serving')) return printRows(await servingBench({ quick }));
  const t = await createTestEnv({ JOB_BACKOFF_MS: '500' });
  const dir = path.join(t.dataDir, 'bench-src');
  await mkdir(dir, { recursive: true });
  console.log(`Generating sources in ${dir} (not timed)…`);
  const vp9 = path.join(dir, 'clip-vp9.webm');
  const h264 = path.join(dir, 'clip-h264.mp4');
  const big = path.join(dir, 'big.mkv');
  const src = (size: string, secs: number) => [
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(secs), '-map', '0:v', '-map', '1:a',
  ];
  await ffmpeg([...src('1280x720', SECONDS), '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '2M', '-c:a', 'libopus', vp9]);
  await ffmpeg([...src('1280x720', SECONDS), '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', h264]);
  // `--checks`: only the vetting checks' budget (media stage, remux, remux with checks against their references).
  if (process.argv.includes('--checks')) {
    const rows = await checksBench({ bins, dir, vp9, h264, repeats: ROUNDS });
    await rm(dir, { recursive: true, force: true });
    await t.cleanup();
    return printRows(rows);
  }
  // A large source whose size comes from bitrate, not length: intra-only MJPEG at top quality.
  await ffmpeg([...src('854x480', BIG_SECONDS), '-c:v', 'mjpeg', '-q:v', '1', '-pix_fmt', 'yuvj420p', '-c:a', 'pcm_s16le', big]);
  const bigBytes = (await stat(big)).size;

  // 1a. The bare ffmpeg command for the same transcode the pipeline runs.
  const bareOut = path.join(dir, 'bare.mp4');
  // Run at the worker's own priority (nice 10), so the two compete for the CPU on equal terms.
  const [bare] = await timed(() =>
    niceFfmpeg(['-i', vp9, '-map', '0:V:0', '-map', '0:a:0', '-map_metadata', '-1', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
      '-vf', "scale=w='min(1920,iw)':h='min(1080,ih)':force_original_aspect_ratio=decrease:force_divisible_by=2",
      '-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-ar', '48000', '-movflags', '+faststart', bareOut]),
  );

  // The service: API in this process, worker in its own (compiled first, as `npm start` does).
  await run(process.execPath, ['scripts/build.mjs', '--if-stale'], { maxBuffer: 1 << 24 });
  const app = await buildTestApp(t);
  await addStaff(t, 'bench@school.test');
  const cookie = await signIn(app, 'bench@school.test');
  const { playlistId } = await makeClassAndPlaylist(app, cookie);
  const article = articleHtml(200 * 1024);
  const site = await startFixtureServer({
    '/clip.webm': serveFile(vp9, 'video/webm'),
    '/big.mkv': serveFile(big, 'video/x-matroska'),
    '/article.html': (_q, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(article),
  });
  const verbose = process.argv.includes('--verbose');
  const startWorker = async (): Promise<ChildProcess> => {
    // The compiled worker, as `npm start` runs it in production (tsx would add its own compiler's memory).
    const child = spawn(process.execPath, ['--enable-source-maps', 'dist/src/worker/main.js'], {
      env: { ...process.env, DATABASE_URL: t.databaseUrl, REDIS_URL: t.config.redisUrl, DATA_DIR: t.dataDir, QUEUE_PREFIX: t.config.queuePrefix, FETCH_ALLOW_PRIVATE: '127.0.0.1', VETTED_SKIP_MIGRATE: '1', MAX_DOWNLOAD_BYTES: String(4 * 1024 ** 3) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (verbose) child.stdout!.pipe(process.stderr);
    await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
    return child;
  };
  const stopWorker = async (child: ChildProcess) => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  let worker = await startWorker();

  const submitAndWait = async (url: string) => {
    const res = await app.inject({ method: 'POST', url: '/api/items', headers: { cookie }, payload: { url, playlistId } });
    const id = res.json().id as string;
    return waitFor(async () => {
      const item = (await app.inject({ method: 'GET', url: `/api/items/${id}`, headers: { cookie } })).json();
      if (item.status === 'failed') throw new Error(`bench item failed: ${JSON.stringify(item.error)}`);
      return item.status === 'awaiting_review' ? item : undefined;
    }, 3_600_000, 50);
  };

  // 1b. Pipeline, submit → awaiting_review, same source.
  const [pipeline] = await timed(() => submitAndWait(site.url('/clip.webm')));

  // 1c, 2, 2b. The media adapter's own work, in alternating rounds.
  const checkRows = await checksBench({ bins, dir, vp9, h264, repeats: ROUNDS });

  // 4. Web pages: five distinct 200 KB articles, then a repeat of one already processed.
  const pageTimes: number[] = [];
  for (let i = 0; i < 5; i++) pageTimes.push((await timed(() => submitAndWait(site.url(`/article.html?n=${i}`))))[0]);
  const pageMedian = pageTimes.sort((a, b) => a - b)[2]!;
  const [repeat] = await timed(() => submitAndWait(site.url('/article.html?n=0')));
  const [repeatVideo] = await timed(() => submitAndWait(site.url('/clip.webm')));

  // 3. Peak memory of the worker while it streams and transcodes the large source.
  // A fresh worker, so its high-water mark is this download and transcode, not earlier work.
  await stopWorker(worker);
  worker = await startWorker();
  const sampler = rssSampler(worker.pid!);
  const [bigTime] = await timed(() => submitAndWait(site.url('/big.mkv')));
  const peak = sampler.stop();

  await stopWorker(worker);
  await app.close();
  await site.close();
  await rm(dir, { recursive: true, force: true });
  await t.cleanup();

  const rows: Array<[string, string, string, string]> = [
    ['pipeline with checks ÷ bare ffmpeg (60 s 720p VP9 → H.264)', `${pipeline.toFixed(2)} s ÷ ${bare.toFixed(2)} s`, (pipeline / bare).toFixed(2), '≤ 1.15'],
    ...checkRows,
    ['200 KB article page, submit → awaiting_review (median of 5)', `${pageTimes.map((x) => x.toFixed(2)).join(', ')} s`, `${pageMedian.toFixed(2)} s`, '—'],
    ['repeat submission of a processed source (page · video)', `${repeat.toFixed(3)} s · ${repeatVideo.toFixed(3)} s`, `${Math.max(repeat, repeatVideo).toFixed(3)} s`, '≪ 1 s'],
    [`worker peak RSS, ${mb(bigBytes)} source (${bigTime.toFixed(0)} s)`, `ffmpeg beside it: ${mb(peak.ffmpeg)}`, mb(peak.worker), '≤ 150 MB'],
  ];
  // Serving (issue 11): Range ÷ nginx, board API ÷ a bare server, the load run; in the same run, after the pipeline.
  rows.push(...(await servingBench({ quick })));
  printRows(rows);
}

function printRows(rows: Array<[string, string, string, string]>) {
  console.log(`\n| measure | measured | result | target |\n| --- | --- | --- | --- |`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
