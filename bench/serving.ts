/**
 * The serving half of `npm run bench` (issue 11), measured side by side in one run on this machine:
 *
 *  1. 1 MiB Range requests of a 20 MB H.264 file: Vetted sending the bytes ÷ nginx (sendfile) on the same file,
 *     and through MEDIA_ACCEL=nginx (Vetted checks access, nginx sends) ÷ the same nginx      ≥ 0.55 · ≥ 0.9
 *  2. GET /api/board/:token (one playlist of three items) ÷ a bare node:http + pg server doing the same read
 *     in one query: plain GETs (the cache) and revalidations (If-None-Match → 304)            ≥ 1.0
 *  3. a load run: 300 board event streams + 50 concurrent Range readers + a teacher submitting and approving;
 *     errors (0), the time for an approval to reach every board (≤ 1 s), the API's p99.
 *
 * Vetted runs as `npm start` runs it (compiled, its own process, LOG_LEVEL=warn: no per-request log lines, as
 * nginx runs here with access_log off); wrk (Debian's) generates the load; everything on 127.0.0.1, each run
 * bounded in time.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveBinaries } from '../src/media/binaries.js';
import { serveFile, startFixtureServer } from '../test/helpers/fixture-server.js';
import { addStaff, createTestEnv, waitFor } from '../test/helpers/harness.js';
import { freePort, shippedSite, startNginx } from '../test/helpers/nginx.js';
import { limitRow, perSecond, ratioRow, type Row } from './table.js';

const run = promisify(execFile);

export type ServingPart = 'range' | 'board' | 'load';

interface WrkResult {
  rps: number;
  errors: number;
  p99ms: number;
}

async function wrk(url: string, opts: { connections: number; seconds: number; script?: string; headers?: Record<string, string> }): Promise<WrkResult> {
  const args = ['-t2', `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency', '--timeout', '5s'];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}: ${v}`);
  if (opts.script) args.push('-s', opts.script);
  const { stdout } = await run('wrk', [...args, url], { timeout: (opts.seconds + 30) * 1000, maxBuffer: 1 << 20 });
  const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? 0);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)\b/.exec(stdout);
  const p99ms = p99 ? Number(p99[1]) * (p99[2] === 'us' ? 0.001 : p99[2] === 's' ? 1000 : 1) : NaN;
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = num(/Non-2xx or 3xx responses: (\d+)/) + (socket ? socket.slice(1).reduce((n, x) => n + Number(x), 0) : 0);
  return { rps: num(/Requests\/sec:\s+([\d.]+)/), errors, p99ms };
}

/** A wrk script asking for consecutive 1 MiB slices of a file of `size` bytes, round and round. */
async function rangeScript(dir: string, size: number): Promise<string> {
  const file = path.join(dir, 'ranges.lua');
  await writeFile(
    file,
    `local size = ${size}\nlocal slice = 1048576\nlocal n = math.floor(size / slice)\nlocal i = 0\n` +
      `request = function()\n  local s = (i % n) * slice\n  i = i + 1\n` +
      `  return wrk.format("GET", nil, { ["Range"] = "bytes=" .. s .. "-" .. (s + slice - 1) })\nend\n`,
  );
  return file;
}

/** Whether `url` answers below 500; `unix:<socket>` asks GET /healthz on a Unix socket. */
function answers(url: string): Promise<boolean> {
  if (!url.startsWith('unix:')) return fetch(url).then((r) => (void r.arrayBuffer(), r.status < 500)).catch(() => false);
  return new Promise((resolve) => {
    const req = http.get({ socketPath: url.slice(5), path: '/healthz' }, (res) => (res.resume(), resolve((res.statusCode ?? 500) < 500)));
    req.on('error', () => resolve(false));
  });
}

async function startChild(cmd: string, args: string[], env: Record<string, string>, readyUrl?: string): Promise<ChildProcess> {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  if (readyUrl) {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} stopped (${child.exitCode})`);
      return answers(readyUrl);
    }, 30_000, 100);
  } else {
    await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
  }
  child.stdout!.resume();
  return child;
}

async function stopChild(child: ChildProcess | undefined) {
  if (!child || child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** One board's event stream: records when each item id first shows in a `board` event. */
function openBoardStream(url: string, seen: Map<string, number>, onError: (e: string) => void) {
  let closedByUs = false;
  let buf = '';
  const req = http.get(url, { agent: false }, (res) => {
    if (res.statusCode !== 200) onError(`stream answered ${res.statusCode}`);
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      buf += d;
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        if (!block.startsWith('event: board')) continue;
        const data = block.slice(block.indexOf('data: ') + 6);
        for (const m of data.matchAll(/"id":"([0-9a-f-]{36})","url"/g)) if (!seen.has(m[1]!)) seen.set(m[1]!, performance.now());
      }
    });
    res.on('end', () => closedByUs || onError('stream ended'));
    res.on('error', (e) => closedByUs || onError(String(e)));
  });
  req.on('error', (e) => closedByUs || onError(String(e)));
  return () => {
    closedByUs = true;
    req.destroy();
  };
}

export async function servingBench(opts: { quick: boolean; parts: Set<ServingPart> }): Promise<Row[]> {
  const { parts } = opts;
  const rows: Row[] = [];
  const bins = resolveBinaries();
  const t = await createTestEnv();
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'vetted-bench-serving-'));
  const children: ChildProcess[] = [];
  const stops: Array<() => Promise<void>> = [];
  try {
    await run(process.execPath, ['scripts/build.mjs', '--if-stale'], { maxBuffer: 1 << 24 });
    console.log('Serving: generating a 20 MB H.264 file and a board (not timed)…');
    const video = path.join(scratch, 'video.mp4');
    await run(bins.ffmpeg, ['-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-t', '10',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '16M', '-pix_fmt', 'yuv420p', video]);
    const size = (await stat(video)).size;
    const small = path.join(scratch, 'small.mp4');
    await run(bins.ffmpeg, ['-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine',
      '-t', '2', '-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', small]);

    // The board: one class, one playlist of three approved videos (the 20 MB file is the first).
    const { ctx } = t;
    await addStaff(t, 'bench@school.test');
    const teacher = (await ctx.repos.users.byEmail('bench@school.test'))!;
    const cls = await ctx.db
      .insertInto('classes')
      .values({ name: 'Robins', board_token: `bench-${Math.random().toString(36).slice(2)}-board`, created_by: teacher.id })
      .returningAll()
      .executeTakeFirstOrThrow();
    await ctx.db.insertInto('class_members').values({ class_id: cls.id, user_id: teacher.id, added_by: null }).execute();
    const playlist = await ctx.repos.playlists.create(cls.id, 'Minibeasts', 'videos');
    let itemId = '';
    for (let n = 0; n < 3; n++) {
      const url = `https://videos.example.org/bench-${n}.mp4`;
      const item = await ctx.repos.items.create({ playlistId: playlist.id, url, canonicalUrl: url, kind: 'video', title: `Clip ${n}`, startSeconds: null, endSeconds: null, submittedBy: null });
      const dir = await ctx.store.workDir(item.id, 'bench');
      await writeFile(path.join(dir, 'video.mp4'), await readFile(video));
      await ctx.store.publish(item.id, 0, dir);
      await ctx.db.updateTable('items').set({ status: 'approved', progress: 100, media: JSON.stringify({ video: 'video.mp4' }) }).where('id', '=', item.id).execute();
      if (n === 0) itemId = item.id;
    }
    const token = cls.board_token;
    const mediaRoot = path.join(t.dataDir, 'media');

    // Vetted (compiled, own process), Vetted behind nginx, nginx alone, the bare server.
    const env = { DATABASE_URL: t.databaseUrl, REDIS_URL: t.config.redisUrl, DATA_DIR: t.dataDir, QUEUE_PREFIX: t.config.queuePrefix,
      VETTED_SKIP_MIGRATE: '1', LOG_LEVEL: 'warn', HOST: '127.0.0.1', FETCH_ALLOW_PRIVATE: '127.0.0.1' };
    const [apiPort, accelApiPort, nginxPort, anchorPort, barePort, socketNginxPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
    const api = `http://127.0.0.1:${apiPort}`;
    const accelApi = `http://127.0.0.1:${accelApiPort}`;
    children.push(await startChild(process.execPath, ['dist/src/server.js'], { ...env, PORT: String(apiPort) }, `${api}/healthz`));
    const script = await rangeScript(scratch, size);
    const file = `${itemId}/0/video.mp4`;
    const boardMedia = (base: string) => `${base}/media/board/${token}/${file}`;
    const boardUrl = `${api}/api/board/${token}`;
    // The machine may be shared: the contenders take turns in short slices, so a change in the load from other
    // processes falls on all of them alike rather than on whichever ran last.
    const rounds = opts.quick ? 1 : 4;
    const slice = 3;
    const turns = async (runs: Array<() => Promise<WrkResult>>): Promise<WrkResult[]> => {
      const sums = runs.map(() => ({ rps: 0, errors: 0, p99ms: 0 }));
      for (let r = 0; r < rounds; r++) {
        for (const [i, go] of runs.entries()) {
          const x = await go();
          sums[i]!.rps += x.rps / rounds;
          sums[i]!.errors += x.errors;
          sums[i]!.p99ms = Math.max(sums[i]!.p99ms, x.p99ms);
        }
      }
      return sums;
    };
    const errorsOf = (...xs: WrkResult[]) => xs.reduce((n, x) => n + x.errors, 0);

    if (parts.has('range')) {
      children.push(await startChild(process.execPath, ['dist/src/server.js'], { ...env, PORT: String(accelApiPort), MEDIA_ACCEL: 'nginx' }, `${accelApi}/healthz`));
      // The same behind nginx on a Unix socket (LISTEN_SOCKET), the other way deploy/nginx.conf offers.
      const socket = path.join(scratch, 'vetted.sock');
      const socketEnv = { ...env, LISTEN_SOCKET: socket, MEDIA_ACCEL: 'nginx', TRUST_PROXY: '1', PUBLIC_URL: `http://127.0.0.1:${socketNginxPort}` };
      children.push(await startChild(process.execPath, ['dist/src/server.js'], socketEnv, `unix:${socket}`));
      const site = await shippedSite({ port: nginxPort, upstream: accelApiPort, mediaRoot, accessLog: 'off' });
      // Its upstream and server block only (the maps and log format are the first site's), under another upstream name.
      const socketSite = await shippedSite({ port: socketNginxPort, upstream: socket, mediaRoot, accessLog: 'off' });
      const socketServer = socketSite
        .slice(socketSite.indexOf('upstream vetted {'))
        .replace('upstream vetted {', 'upstream vetted_on_socket {')
        .replace('proxy_pass http://vetted;', 'proxy_pass http://vetted_on_socket;');
      // nginx alone serves the same folder exactly as the shipped internal location does (sendfile, headers, ETag),
      // only not internal: the two differ by Vetted's access check and nothing else.
      const anchor = `server { listen 127.0.0.1:${anchorPort}; access_log off; location /media/ {${await shippedMediaLocation(mediaRoot)}} }`;
      // As Debian's own nginx.conf runs it: one worker per core.
      const nginx = await startNginx(path.join(scratch, 'nginx'), [site, socketServer, anchor], `http://127.0.0.1:${socketNginxPort}/healthz`, 'auto');
      stops.push(() => nginx.stop());
      console.log(`Serving: Range requests (wrk, 8 connections, ${rounds} × ${slice} s each in turn)…`);
      const [nginxRange, vettedRange, accelRange, socketRange, accelAnswer] = (await turns([
        () => wrk(`http://127.0.0.1:${anchorPort}/media/${file}`, { connections: 8, seconds: slice, script }),
        () => wrk(boardMedia(api), { connections: 8, seconds: slice, script }),
        () => wrk(boardMedia(`http://127.0.0.1:${nginxPort}`), { connections: 8, seconds: slice, script }),
        () => wrk(boardMedia(`http://127.0.0.1:${socketNginxPort}`), { connections: 8, seconds: slice, script }),
        // What the access check costs on its own: Vetted's X-Accel-Redirect answer, asked for directly.
        () => wrk(boardMedia(accelApi), { connections: 8, seconds: slice, script }),
      ])) as [WrkResult, WrkResult, WrkResult, WrkResult, WrkResult];
      rows.push(ratioRow('Range 1 MiB of a 20 MB H.264 file: Vetted ÷ nginx sendfile (8 connections)', vettedRange.rps, nginxRange.rps, perSecond, '≥', 0.55));
      rows.push(ratioRow('Range, through MEDIA_ACCEL=nginx ÷ nginx alone (same location settings)', accelRange.rps, nginxRange.rps, perSecond, '≥', 0.9));
      rows.push(ratioRow('Range, through MEDIA_ACCEL=nginx with Vetted on a Unix socket (LISTEN_SOCKET) ÷ nginx alone', socketRange.rps, nginxRange.rps, perSecond, '≥', 0.9));
      rows.push({ measure: 'for scale: Vetted’s access answer alone (X-Accel-Redirect, no body; 8 connections)', measured: 'asked for directly, no nginx', result: perSecond(accelAnswer.rps), target: '—' });
      rows.push(limitRow('Range runs: errors', 'non-2xx answers and socket errors', errorsOf(nginxRange, vettedRange, accelRange, socketRange, accelAnswer), String(errorsOf(nginxRange, vettedRange, accelRange, socketRange, accelAnswer)), 0, '0'));
    }

    if (parts.has('board')) {
      children.push(await startChild(process.execPath, ['bench/bare-board.mjs'], { DATABASE_URL: t.databaseUrl, PORT: String(barePort) }));
      const etag = String((await fetch(boardUrl)).headers.get('etag'));
      console.log(`Serving: board API (wrk, 16 connections, ${rounds} × ${slice} s each in turn)…`);
      const [bare, board, revalidate] = (await turns([
        () => wrk(`http://127.0.0.1:${barePort}/api/board/${token}`, { connections: 16, seconds: slice }),
        () => wrk(boardUrl, { connections: 16, seconds: slice }),
        () => wrk(boardUrl, { connections: 16, seconds: slice, headers: { 'if-none-match': etag } }),
      ])) as [WrkResult, WrkResult, WrkResult];
      rows.push(ratioRow('board API (1 playlist, 3 items) ÷ bare node:http + pg, one query (16 connections)', board.rps, bare.rps, perSecond, '≥', 1.0));
      rows.push(ratioRow('board API revalidation (If-None-Match → 304) ÷ the same bare server', revalidate.rps, bare.rps, perSecond, '≥', 1.0));
      rows.push(limitRow('board API runs: errors', 'non-2xx/3xx answers and socket errors', errorsOf(bare, board, revalidate), String(errorsOf(bare, board, revalidate)), 0, '0'));
    }

    if (parts.has('load')) rows.push(...(await loadRun({ quick: opts.quick, api, boardUrl, boardMedia: boardMedia(api), script, itemId, playlistId: playlist.id, small, env, children, stops })));
    return rows;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    for (const c of children.reverse()) await stopChild(c);
    await rm(scratch, { recursive: true, force: true });
    await t.cleanup();
  }
}

/** The shipped internal media location's settings (deploy/nginx.conf), without `internal`, for nginx alone. */
async function shippedMediaLocation(mediaRoot: string): Promise<string> {
  const conf = await readFile(path.resolve('deploy/nginx.conf'), 'utf8');
  const body = /location \/_vetted_media\/ \{([\s\S]*?)\n    \}/.exec(conf)?.[1];
  if (!body || !body.includes('internal;') || !body.includes('alias /var/lib/vetted/media/;')) {
    throw new Error('deploy/nginx.conf no longer has the internal media location this benchmark copies');
  }
  return body.replace('internal;', '').replace('alias /var/lib/vetted/media/;', `alias ${mediaRoot}/;`);
}

interface LoadRunOptions {
  quick: boolean;
  api: string;
  boardUrl: string;
  boardMedia: string;
  script: string;
  itemId: string;
  playlistId: string;
  small: string;
  env: Record<string, string>;
  children: ChildProcess[];
  stops: Array<() => Promise<void>>;
}

/**
 * 300 board event streams + 50 concurrent Range readers + a teacher signing in, submitting links and approving them
 * over HTTP like the desk; a board polling its contents beside them. Errors of any kind, the time an approval takes to
 * reach every one of the 300 boards, and the API's p99 under that load.
 */
async function loadRun(o: LoadRunOptions): Promise<Row[]> {
  console.log('Serving: load run (300 board streams, 50 Range readers, a teacher submitting and approving)…');
  // A worker for the teacher's submissions (compiled, as `npm start` runs it), a site to fetch them from.
  o.children.push(await startChild(process.execPath, ['--enable-source-maps', 'dist/src/worker/main.js'], o.env));
  const fixture = await startFixtureServer({ '/clip.mp4': serveFile(o.small, 'video/mp4') });
  o.stops.push(() => fixture.close());
  const errors: string[] = [];
  const streamSeen: Array<Map<string, number>> = [];
  const closers: Array<() => void> = [];
  for (let i = 0; i < 300; i++) {
    const m = new Map<string, number>();
    streamSeen.push(m);
    closers.push(openBoardStream(`${o.boardUrl}/events`, m, (e) => errors.push(e)));
  }
  await waitFor(async () => streamSeen.every((m) => m.has(o.itemId)), 30_000, 50);

  const loadSecs = o.quick ? 15 : 30;
  const readers = wrk(o.boardMedia, { connections: 50, seconds: loadSecs, script: o.script });
  const boardLatencies: number[] = [];
  const teacherLatencies: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const t0 = performance.now();
      const r = await fetch(o.boardUrl).catch(() => undefined);
      if (!r || r.status !== 200) errors.push(`board GET ${r?.status ?? 'failed'}`);
      await r?.arrayBuffer();
      boardLatencies.push(performance.now() - t0);
      await new Promise((res) => setTimeout(res, 50));
    }
  })();

  // The teacher, over HTTP like the desk: sign in, submit a link, wait for it, approve it.
  const login = await fetch(`${o.api}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@school.test', password: 'correct horse battery' }) });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const call = async (method: string, url: string, body?: unknown) => {
    const t0 = performance.now();
    const r = await fetch(`${o.api}${url}`, { method, headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const answer = await r.json().catch(() => ({}));
    teacherLatencies.push(performance.now() - t0);
    if (!r.ok) errors.push(`${method} ${url.replace(/[0-9a-f-]{36}/g, ':id')} → ${r.status}`);
    return answer;
  };
  await call('POST', '/api/reminder/acknowledge', { version: (await login.json()).reminderVersion });
  const reach: number[] = [];
  const approvals = o.quick ? 2 : 4;
  for (let n = 0; n < approvals; n++) {
    const item = await call('POST', '/api/items', { url: fixture.url(`/clip.mp4?n=${n}`), playlistId: o.playlistId });
    await waitFor(async () => (await call('GET', `/api/items/${item.id}`)).status === 'awaiting_review', 60_000, 100);
    const t0 = performance.now();
    await call('POST', `/api/items/${item.id}/approve`, { acknowledge: ['watched_elsewhere'] });
    await waitFor(async () => streamSeen.every((m) => m.has(item.id)), 10_000, 5).catch(() => errors.push('an approval did not reach every board in 10 s'));
    reach.push(Math.max(...streamSeen.map((m) => (m.get(item.id) ?? Infinity) - t0)));
  }
  const load = await readers;
  polling = false;
  await poller;
  for (const close of closers) close();

  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const errorCount = errors.length + load.errors;
  const apiP99 = percentile([...boardLatencies, ...teacherLatencies], 99);
  return [
    limitRow(`load: 300 board streams + 50 Range readers (${load.rps.toFixed(0)} req/s) + ${approvals} submit/approve: errors`, errors.slice(0, 3).join('; ') || 'none', errorCount, String(errorCount), 0, '0'),
    limitRow('load: approval → every one of the 300 boards (worst of each approval)', reach.map(ms).join(', '), Math.max(...reach), ms(Math.max(...reach)), 1000, '≤ 1 s'),
    {
      measure: 'load: API p99 (board GETs and the teacher’s calls · the Range readers’ 1 MiB answers)',
      measured: `${boardLatencies.length + teacherLatencies.length} API calls · ${ms(load.p99ms)} for the Range readers`,
      result: ms(apiP99),
      target: '—',
    },
  ];
}
