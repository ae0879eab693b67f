/**
 * `MEDIA_ACCEL=nginx` through a real nginx (Debian's) started on a loopback port with the shipped
 * `deploy/nginx.conf`: Vetted checks access and answers `X-Accel-Redirect`; nginx sends the bytes
 * with Range, If-Range and 304 from the file. The internal location is not reachable from outside,
 * and nginx's access log carries no board link.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeItem } from '../helpers/governance.js';
import { freePort, shippedSite, startNginx, type NginxChild } from '../helpers/nginx.js';
import { makeFixture } from '../helpers/fixtures-media.js';
import { createTestEnv, makeClassAndPlaylist, signInAdminAndTeacher, waitFor, type TestApp, type TestEnv } from '../helpers/harness.js';
import { buildApp } from '../../src/app.js';
import { listen } from '../../src/http/listen.js';

let t: TestEnv;
let app: TestApp;
let nginx: NginxChild | undefined;
let prefix: string;
let base: string;
let teacher: string;
let ids: Awaited<ReturnType<typeof makeClassAndPlaylist>>;
let itemId: string;
let bytes: Buffer;
/** Vetted's own log lines (at info, as a school runs it) and the connections nginx opened to it. */
const logLines: string[] = [];
let upstreamConnections = 0;

beforeAll(async () => {
  // nginx sends files from the local media folder: a local store, whatever TEST_STORAGE says.
  // As deploy/nginx.conf asks: one proxy hop trusted.
  t = await createTestEnv({ MEDIA_ACCEL: 'nginx', STORAGE: 'local', TRUST_PROXY: '1' });
  app = await buildApp(t.ctx, { logger: { level: 'info', stream: { write: (line: string) => void logLines.push(line) } } });
  ({ teacher } = await signInAdminAndTeacher(t, app));
  ids = await makeClassAndPlaylist(app, teacher);

  const item = await makeItem(t, ids.playlistId);
  itemId = item.id;
  const dir = await t.ctx.store.workDir(item.id, 'remake');
  bytes = await readFile(await makeFixture('h264', path.join(dir, 'video.mp4'), { seconds: 2 }));
  await writeFile(path.join(dir, 'page.html'), '<!doctype html><p>Frogs</p>');
  await t.ctx.store.publish(item.id, 1, dir);
  await t.ctx.db
    .updateTable('items')
    .set({ media_generation: 1, media: JSON.stringify({ video: 'video.mp4', page: 'page.html' }) })
    .where('id', '=', item.id)
    .execute();

  await app.listen({ port: 0, host: '127.0.0.1' });
  app.server.on('connection', () => upstreamConnections++);
  const upstream = (app.server.address() as net.AddressInfo).port;
  prefix = await mkdtemp(path.join(os.tmpdir(), 'vetted-nginx-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const site = await shippedSite({ port, upstream, mediaRoot: path.join(t.dataDir, 'media'), accessLog: path.join(prefix, 'access.log') });
  nginx = await startNginx(prefix, [site], `${base}/healthz`);
});

afterAll(async () => {
  await nginx?.stop();
  await app?.close();
  await t?.cleanup();
  if (prefix) await rm(prefix, { recursive: true, force: true });
});

const video = () => `${base}/media/board/${ids.boardToken}/${itemId}/1/video.mp4`;
const body = async (r: Response) => Buffer.from(await r.arrayBuffer());

describe('media through nginx (MEDIA_ACCEL=nginx)', () => {
  it('Vetted answers X-Accel-Redirect and no bytes; nginx sends the file with the headers', async () => {
    const direct = await app.inject({ method: 'GET', url: `/media/board/${ids.boardToken}/${itemId}/1/video.mp4` });
    expect(direct.statusCode).toBe(200);
    expect(direct.headers['x-accel-redirect']).toBe(`/_vetted_media/${itemId}/1/video.mp4`);
    expect(direct.rawPayload.length).toBe(0);

    const res = await fetch(video());
    expect(res.status).toBe(200);
    expect((await body(res)).equals(bytes)).toBe(true);
    expect(res.headers.get('x-accel-redirect')).toBeNull();
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(res.headers.get('last-modified')).toBeTruthy();
  });

  it('Range edges: first byte, last byte, past the end, If-Range, 304', async () => {
    const first = await fetch(video(), { headers: { range: 'bytes=0-0' } });
    expect(first.status).toBe(206);
    expect(first.headers.get('content-range')).toBe(`bytes 0-0/${bytes.length}`);
    expect((await body(first)).equals(bytes.subarray(0, 1))).toBe(true);
    const last = await fetch(video(), { headers: { range: `bytes=${bytes.length - 1}-` } });
    expect(last.status).toBe(206);
    expect((await body(last)).equals(bytes.subarray(-1))).toBe(true);
    const past = await fetch(video(), { headers: { range: `bytes=${bytes.length}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    await past.arrayBuffer();
    const etag = String((await fetch(video(), { method: 'HEAD' })).headers.get('etag'));
    expect((await fetch(video(), { headers: { range: 'bytes=0-9', 'if-range': etag } })).status).toBe(206);
    const stale = await fetch(video(), { headers: { range: 'bytes=0-9', 'if-range': '"0-0"' } });
    expect(stale.status).toBe(200);
    expect((await body(stale)).length).toBe(bytes.length);
    expect((await fetch(video(), { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('access is still Vetted’s: an unknown board, another generation, a taken-off item get Vetted’s 404', async () => {
    const unknown = await fetch(video().replace(ids.boardToken, 'not-a-board-link-at-all'));
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe('board_not_found');
    expect((await fetch(video().replace('/1/video.mp4', '/0/video.mp4'))).status).toBe(404);
    const staff = `${base}/media/items/${itemId}/1/video.mp4`;
    expect((await fetch(staff)).status).toBe(401);
    const asStaff = await fetch(staff, { headers: { cookie: teacher, range: 'bytes=0-3' } });
    expect(asStaff.status).toBe(206);
    expect((await body(asStaff)).equals(bytes.subarray(0, 4))).toBe(true);

    const report = await fetch(`${base}/api/items/${itemId}/report`, {
      method: 'POST',
      headers: { cookie: teacher, 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'wrong video' }),
    });
    expect(report.status).toBe(201);
    const gone = await fetch(video());
    expect(gone.status).toBe(404);
    expect((await gone.json()).error.code).toBe('media_not_found');
  });

  it('the internal location cannot be asked for from outside', async () => {
    const res = await fetch(`${base}/_vetted_media/${itemId}/1/video.mp4`);
    expect(res.status).toBe(404);
    await res.arrayBuffer();
  });

  it('a web page copy keeps its content security policy', async () => {
    const res = await fetch(`${base}/media/items/${itemId}/1/page.html`, { headers: { cookie: teacher } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await res.text()).toContain('Frogs');
  });

  it('the board answer and its 304 pass through; the access log has no board link', async () => {
    const res = await fetch(`${base}/api/board/${ids.boardToken}`);
    expect(res.status).toBe(200);
    const etag = String(res.headers.get('etag'));
    expect((await fetch(`${base}/api/board/${ids.boardToken}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const log = await waitFor(async () => {
      const text = await readFile(path.join(prefix, 'access.log'), 'utf8').catch(() => '');
      return text.includes('/api/board/[redacted]') ? text : undefined;
    }, 3000, 50);
    expect(log).toContain('/media/board/[redacted]/');
    expect(log).not.toContain(ids.boardToken);
  });

  // The item was reported above (off every board): the teacher's own media link still opens it.
  const staffVideo = () => `${base}/media/items/${itemId}/1/video.mp4`;

  it('nginx keeps its connections to Vetted open between requests (upstream keepalive)', async () => {
    await (await fetch(staffVideo(), { headers: { cookie: teacher, range: 'bytes=0-0' } })).arrayBuffer();
    const before = upstreamConnections;
    for (let i = 0; i < 10; i++) {
      const res = await fetch(staffVideo(), { headers: { cookie: teacher, range: `bytes=${i}-${i}` } });
      expect(res.status).toBe(206);
      await res.arrayBuffer();
    }
    expect(upstreamConnections - before).toBe(0);
  });

  it('media requests are logged by nginx alone; Vetted still logs its other requests', async () => {
    logLines.length = 0;
    expect((await fetch(staffVideo(), { headers: { cookie: teacher, range: 'bytes=0-0' } })).status).toBe(206);
    await (await fetch(`${base}/api/board/${ids.boardToken}`)).arrayBuffer();
    await waitFor(async () => logLines.some((l) => l.includes('/api/board/')), 3000, 20);
    expect(logLines.some((l) => l.includes('/media/'))).toBe(false);
  });
});

describe('Vetted on a Unix socket behind nginx (LISTEN_SOCKET)', () => {
  it('replaces a socket left by a dead process, serves through nginx, and refuses a path in use or not a socket', async () => {
    const socket = path.join(prefix, 'vetted.sock');
    // A process killed outright leaves its socket file behind, as a crashed Vetted would.
    const dead = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socket)}, () => console.log('up'))`]);
    await new Promise((r) => dead.stdout.once('data', r));
    dead.kill('SIGKILL');
    await new Promise((r) => dead.once('exit', r));
    expect((await stat(socket)).isSocket()).toBe(true);

    const onSocket = await buildApp(t.ctx, { logger: false });
    const seen: Array<string | undefined> = [];
    onSocket.addHook('onRequest', async (request) => void seen.push(request.ip));
    let second: Awaited<ReturnType<typeof buildApp>> | undefined;
    let viaSocket: NginxChild | undefined;
    try {
      await listen(onSocket, { port: 0, host: '127.0.0.1', listenSocket: socket });
      expect((await stat(socket)).mode & 0o777).toBe(0o666);
      const port = await freePort();
      const site = await shippedSite({ port, upstream: socket, mediaRoot: path.join(t.dataDir, 'media'), accessLog: 'off' });
      viaSocket = await startNginx(path.join(prefix, 'via-socket'), [site], `http://127.0.0.1:${port}/healthz`);
      const res = await fetch(`http://127.0.0.1:${port}/media/items/${itemId}/1/video.mp4`, { headers: { cookie: teacher, range: 'bytes=10-19' } });
      expect(res.status).toBe(206);
      expect((await body(res)).equals(bytes.subarray(10, 20))).toBe(true);
      // The socket has no client address: the one nginx passes on is the person's (TRUST_PROXY=1 in this file).
      expect(seen.at(-1)).toBe('127.0.0.1');

      second = await buildApp(t.ctx, { logger: false });
      await expect(listen(second, { port: 0, host: '127.0.0.1', listenSocket: socket })).rejects.toThrow(/Another process is listening/);
      await expect(listen(second, { port: 0, host: '127.0.0.1', listenSocket: path.join(prefix, 'access.log') })).rejects.toThrow(/not a socket/);
    } finally {
      await viaSocket?.stop();
      await second?.close();
      await onSocket.close();
    }
  });
});
