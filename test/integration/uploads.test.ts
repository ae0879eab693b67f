import { readFile } from 'node:fs/promises';
import path from 'node:path';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorkers } from '../../src/worker/runtime.js';
import { deskFor, type Desk } from '../helpers/desk.js';
import { ffprobeJson, fixturesDir, makeFixture } from '../helpers/fixtures-media.js';
import { buildTestApp, createTestEnv, makeClassAndPlaylist, signInTeacher, type TestApp, type TestEnv } from '../helpers/harness.js';
import { startTestWorkers } from '../helpers/workers.js';
import { hasWork, localCopy, originalIds } from '../helpers/stored.js';

// Uploading a file: the way out when a site refuses downloads. Streamed to disk, kept as the
// original for re-making, then through the same media stage as any fetched video.
let t: TestEnv;
let app: TestApp;
let workers: RunningWorkers;
let cookie: string;
let ids: { playlistId: string; boardToken: string };
let video: Buffer;
let desk: Desk;
const LIMIT = 3 * 1024 * 1024;

beforeAll(async () => {
  t = await createTestEnv({ JOB_BACKOFF_MS: '50', MAX_DOWNLOAD_BYTES: String(LIMIT) });
  app = await buildTestApp(t);
  workers = await startTestWorkers(t);
  cookie = await signInTeacher(t, app);
  desk = deskFor(app, cookie);
  ids = await makeClassAndPlaylist(app, cookie);
  const dir = await fixturesDir(t);
  video = await readFile(await makeFixture('h264-metadata', path.join(dir, 'pond.mp4'), { seconds: 3 }));
});

afterAll(async () => {
  await workers?.close(1000);
  await app?.close();
  await t?.cleanup();
});

const upload = (payload: Buffer, filename = 'Pond dipping.mp4', contentType = 'video/mp4') =>
  app.inject({
    method: 'POST',
    url: `/api/playlists/${ids.playlistId}/uploads?filename=${encodeURIComponent(filename)}`,
    headers: { cookie, 'content-type': contentType },
    payload,
  });

const originals = () => originalIds(t);

describe('uploading a video file', () => {
  let id: string;

  it('becomes an item like a fetched video: clean, faststart, metadata gone, ready for review', async () => {
    const res = await upload(video);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'queued', kind: 'video', title: 'Pond dipping' });
    id = res.json().id;
    const item = await desk.settled(id);
    expect(item.status).toBe('awaiting_review');
    expect(item.source.name).toBe('Uploaded file');
    const probe = await ffprobeJson(await localCopy(t, id, 0, 'video.mp4'));
    expect(probe.format.tags?.title).toBeUndefined();
    expect(probe.format.tags?.location).toBeUndefined();
    expect(await originals()).toEqual([id]);
  });

  it('keeps the original, so the teacher can trim and re-make it', async () => {
    const again = await app.inject({ method: 'POST', url: `/api/items/${id}/reprocess`, headers: { cookie }, payload: { startSeconds: 1 } });
    expect(again.statusCode).toBe(202);
    const item = await desk.settled(id);
    expect(item.status).toBe('awaiting_review');
    expect(item.durationSeconds).toBeLessThan(2.3);
  });

  it('deleting the item deletes its original too', async () => {
    expect((await app.inject({ method: 'DELETE', url: `/api/items/${id}`, headers: { cookie } })).statusCode).toBe(200);
    expect(await originals()).toEqual([]);
  });
});

describe('bad uploads', () => {
  it('a file over the limit, by its declared length: refused before reading, nothing kept', async () => {
    const res = await upload(Buffer.alloc(LIMIT + 1));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('upload_too_large');
    expect(await originals()).toEqual([]);
  });

  it('a file over the limit, by counting a stream of unknown length (a real chunked upload)', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as import('node:net').AddressInfo).port;
    const status = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, agent: false, method: 'POST', path: `/api/playlists/${ids.playlistId}/uploads?filename=big.mp4`, headers: { cookie, 'content-type': 'video/mp4' } },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => {
            req.destroy();
            resolve({ code: res.statusCode ?? 0, body });
          });
        },
      );
      req.on('error', reject);
      // No content-length: chunked, so only counting can catch it. Stop writing once refused.
      let sent = 0;
      const pump = () => {
        while (sent <= LIMIT * 2 && !req.destroyed) {
          sent += 64 * 1024;
          if (!req.write(Buffer.alloc(64 * 1024))) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    }).catch((e: Error) => ({ code: -1, body: e.message }));
    expect(status.code).toBe(413);
    expect(JSON.parse(status.body).error.code).toBe('upload_too_large');
    expect(await originals()).toEqual([]);
  });

  it('an empty file, a form post, and bytes that are not a video', async () => {
    expect((await upload(Buffer.alloc(0))).json().error.code).toBe('upload_empty');
    expect((await upload(Buffer.from('a=b'), 'x.mp4', 'application/x-www-form-urlencoded')).statusCode).toBe(415);
    const noise = await upload(Buffer.alloc(20_000, 7), 'noise.mp4', 'application/octet-stream');
    expect(noise.statusCode).toBe(202);
    const item = await desk.settled(noise.json().id);
    expect(item.status).toBe('failed');
    expect(item.error.code).toBe('media_unreadable');
    expect(await hasWork(t, item.id)).toBe(false);
  });

  it('creates no item for a refused upload', async () => {
    const list = (await app.inject({ method: 'GET', url: `/api/playlists/${ids.playlistId}`, headers: { cookie } })).json();
    expect(list.items.map((i: { title: string }) => i.title)).toEqual(['noise']);
  });
});
