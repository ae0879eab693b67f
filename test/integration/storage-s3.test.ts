import { HeadObjectCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { purge } from '../../src/services/purge.js';
import { checkStorage, removeFilesWithoutItem } from '../../src/services/storage-check.js';
import type { RunningWorkers } from '../../src/worker/runtime.js';
import { s3MediaStore } from '../../src/storage/s3.js';
import type { S3Settings } from '../../src/config.js';
import { fixturesDir, makeFixture } from '../helpers/fixtures-media.js';
import { serveFile, startFixtureServer } from '../helpers/fixture-server.js';
import { deskFor } from '../helpers/desk.js';
import { backdate } from '../helpers/governance.js';
import { buildTestApp, createTestEnv, makeClassAndPlaylist, signInTeacher, type TestApp, type TestEnv } from '../helpers/harness.js';
import { startTestWorkers } from '../helpers/workers.js';
import { bucketKeys, s3Client } from '../helpers/s3.js';
import { collect, localFiles, readPublished } from '../helpers/stored.js';

// The S3-compatible store against a real S3 server: Ceph's object gateway on loopback
// (test/helpers/radosgw.ts), which checks signatures as AWS does. Always runs, whatever TEST_STORAGE says.
let t: TestEnv;
let app: TestApp;
let workers: RunningWorkers;
let cookie: string;
let site: Awaited<ReturnType<typeof startFixtureServer>>;
let playlistId: string;
let video: string;
let client: S3Client;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const keys = () => bucketKeys(t.s3!.gateway, t.s3!.bucket);

async function folder(files: Record<string, Buffer | string>): Promise<string> {
  const dir = path.join(t.dataDir, 'made', randomUUID());
  await mkdir(dir, { recursive: true });
  for (const [name, body] of Object.entries(files)) await writeFile(path.join(dir, name), body);
  return dir;
}

beforeAll(async () => {
  t = await createTestEnv({ STORAGE: 's3', JOB_BACKOFF_MS: '100' });
  app = await buildTestApp(t);
  workers = await startTestWorkers(t);
  cookie = await signInTeacher(t, app);
  playlistId = (await makeClassAndPlaylist(app, cookie)).playlistId;
  video = await makeFixture('vp9', path.join(await fixturesDir(t), 'bees.webm'), { seconds: 2 });
  site = await startFixtureServer({ '/bees.webm': serveFile(video, 'video/webm') });
  client = s3Client(t.s3!.gateway);
}, 120_000);

afterAll(async () => {
  client?.destroy();
  await workers?.close(1000);
  await app?.close();
  await site?.close();
  await t?.cleanup();
});

describe('the S3 store, on a real gateway', () => {
  const a = randomUUID();
  const b = randomUUID();

  it('is the configured store, and the bucket answers', async () => {
    expect(t.ctx.store.kind).toBe('s3');
    await t.ctx.store.ping();
  });

  it('publishes a folder, lists it, and reads it whole or by byte range', async () => {
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    await t.ctx.store.publish(a, 0, await folder({ 'video.mp4': bytes, 'poster.jpg': 'jpeg' }));
    expect(await keys()).toEqual([`media/${a}/0/poster.jpg`, `media/${a}/0/video.mp4`]);
    expect(await t.ctx.store.size(a, 0)).toBe(5004);
    const st = await t.ctx.store.stat({ itemId: a, generation: 0, name: 'video.mp4' });
    expect(st?.size).toBe(5000);
    expect(st?.etag).toMatch(/^".+"$/);
    expect(await t.ctx.store.stat({ itemId: a, generation: 0, name: 'missing.mp4' })).toBeUndefined();
    expect(await collect(await t.ctx.store.open({ itemId: a, generation: 0, name: 'video.mp4' }))).toEqual(bytes);
    const part = await collect(await t.ctx.store.open({ itemId: a, generation: 0, name: 'video.mp4' }, { start: 100, end: 1123 }));
    expect(part).toEqual(bytes.subarray(100, 1124));
    // Published folders are consumed: nothing stays on this host.
    expect(await localFiles(t, 'made')).toEqual([]);
  });

  it('stores a large upload in parts (multipart) and copies it back byte for byte', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024 + 12345);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
    // Arrives in small chunks, as a browser upload does.
    const chunks = function* () {
      for (let i = 0; i < big.length; i += 64 * 1024) yield big.subarray(i, i + 64 * 1024);
    };
    await t.ctx.store.saveOriginal(b, Readable.from(chunks()));
    const head = await client.send(new HeadObjectCommand({ Bucket: t.s3!.bucket, Key: `originals/${b}/source.bin` }));
    // A multipart object's ETag is "<md5 of the parts' md5s>-<number of parts>".
    expect(head.ETag).toMatch(/-3"$/);
    const target = path.join(t.dataDir, 'copy.bin');
    expect(await t.ctx.store.copyOriginal(b, target)).toBe(true);
    expect(sha(await readFile(target))).toBe(sha(big));
    expect(await t.ctx.store.copyOriginal(randomUUID(), target)).toBe(false);
  });

  it('an upload that breaks off leaves no object and no unfinished multipart upload', async () => {
    const c = randomUUID();
    const broken = new Readable({ read() {} });
    broken.push(Buffer.alloc(9 * 1024 * 1024, 1));
    setTimeout(() => broken.destroy(new Error('client went away')), 200);
    await expect(t.ctx.store.saveOriginal(c, broken)).rejects.toThrow();
    expect((await keys()).filter((k) => k.includes(c))).toEqual([]);
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: t.s3!.bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it('shares media by server-side copy, hands a source over, and removes generations and items', async () => {
    const c = randomUUID();
    await t.ctx.store.share(a, 0, c, 2);
    expect((await t.ctx.store.files(c)).map((f) => `${f.generation}/${f.name}`).sort()).toEqual(['2/poster.jpg', '2/video.mp4']);
    expect(sha(await readPublished(t, c, 2, 'video.mp4'))).toBe(sha(await readPublished(t, a, 0, 'video.mp4')));

    await t.ctx.store.saveSource(c, await folder({ 'source.bin': 'the source', 'captions.vtt': 'WEBVTT' }), { type: 'video', file: 'source.bin' });
    expect((await keys()).filter((k) => k.startsWith('sources/'))).toEqual([`sources/${c}/captions.vtt`, `sources/${c}/source.bin`, `sources/${c}/source.json`]);
    const handed = await t.ctx.store.loadSource<{ type: string; file: string }>(c);
    expect(handed?.meta).toEqual({ type: 'video', file: 'source.bin' });
    expect(await readFile(path.join(handed!.dir, 'source.bin'), 'utf8')).toBe('the source');
    expect((await t.ctx.store.listItemIds()).work).toContain(c);
    await t.ctx.store.removeWork(c);
    expect(await t.ctx.store.loadSource(c)).toBeUndefined();
    expect((await keys()).filter((k) => k.startsWith('sources/'))).toEqual([]);

    await t.ctx.store.publish(c, 3, await folder({ 'video.mp4': 'newer' }));
    await t.ctx.store.removeOtherGenerations(c, 3);
    expect((await t.ctx.store.files(c)).map((f) => `${f.generation}/${f.name}`)).toEqual(['3/video.mp4']);
    const ids = await t.ctx.store.listItemIds();
    expect(ids.media.sort()).toEqual([a, c].sort());
    expect(ids.originals).toEqual([b]);

    for (const id of [a, b, c]) await t.ctx.store.removeItem(id);
    expect(await keys()).toEqual([]);
  });

  it('refuses a wrong secret (the gateway checks signatures)', async () => {
    const settings = loadConfig({ ...t.env, S3_SECRET_ACCESS_KEY: 'not-the-secret' }).storage as S3Settings;
    const wrong = s3MediaStore(settings, t.dataDir);
    try {
      // One clear error (503 for a person, a transient fault for a job), with the gateway's answer as its cause.
      await expect(wrong.ping()).rejects.toMatchObject({ code: 'storage_refused', httpStatus: 503, cause: { $metadata: { httpStatusCode: 403 } } });
      await expect(wrong.publish(randomUUID(), 0, await folder({ 'video.mp4': 'x' }))).rejects.toMatchObject({
        code: 'storage_refused',
        cause: { name: 'SignatureDoesNotMatch' },
      });
    } finally {
      await wrong.close();
    }
    expect(await keys()).toEqual([]);
  });
});

describe('an item through the pipeline with media in the bucket', () => {
  let id: string;

  it('is fetched, transcoded on local scratch and published to the bucket, leaving nothing behind', async () => {
    const desk = deskFor(app, cookie);
    const res = await desk.submit(site.url('/bees.webm'), playlistId);
    expect(res.statusCode).toBe(202);
    id = res.json().id;
    const item = await desk.settled(id, 60_000);
    expect(item.status).toBe('awaiting_review');
    const published = Object.values((await t.ctx.repos.items.get(id))!.media as Record<string, string | string[]>).flat();
    expect(published).toEqual(expect.arrayContaining(['video.mp4', 'poster.jpg', 'thumbnail.jpg']));
    expect(await keys()).toEqual(published.map((name) => `media/${id}/0/${name}`).sort());
    // No scratch on this host and no hand-off in the bucket once the item is ready.
    expect(await localFiles(t, 'work')).toEqual([]);
    expect(item.mediaBytes ?? Number((await t.ctx.repos.items.get(id))!.media_bytes)).toBeGreaterThan(0);
  });

  it('is served through Vetted by Range, byte for byte what the bucket holds', async () => {
    const whole = await readPublished(t, id, 0, 'video.mp4');
    const url = `/media/items/${id}/0/video.mp4`;
    const ranged = await app.inject({ method: 'GET', url, headers: { cookie, range: 'bytes=100-1123' } });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.headers['content-range']).toBe(`bytes 100-1123/${whole.length}`);
    expect(ranged.headers['content-type']).toBe('video/mp4');
    expect(ranged.rawPayload).toEqual(whole.subarray(100, 1124));
    const tail = await app.inject({ method: 'GET', url, headers: { cookie, range: 'bytes=-500' } });
    expect(tail.rawPayload).toEqual(whole.subarray(whole.length - 500));
    const full = await app.inject({ method: 'GET', url, headers: { cookie } });
    expect(full.statusCode).toBe(200);
    expect(sha(full.rawPayload)).toBe(sha(whole));
    const beyond = await app.inject({ method: 'GET', url, headers: { cookie, range: `bytes=${whole.length}-` } });
    expect(beyond.statusCode).toBe(416);
    // Access is checked on every request: no cookie, no bytes.
    expect((await app.inject({ method: 'GET', url, headers: { range: 'bytes=0-10' } })).statusCode).toBe(401);
  });

  it('a bucket that does not answer gives a clear 503, never a 500', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const down = s3MediaStore(loadConfig({ ...t.env, S3_ENDPOINT: `http://127.0.0.1:${port}` }).storage as S3Settings, t.dataDir);
    const downApp = await buildApp({ ...t.ctx, store: down });
    try {
      await expect(down.ping()).rejects.toMatchObject({ code: 'storage_unavailable', transient: true });
      const res = await downApp.inject({ method: 'GET', url: `/media/items/${id}/0/video.mp4`, headers: { cookie, range: 'bytes=0-10' } });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('storage_unavailable');
      // The IT person's monitoring names the part that fails.
      const ready = await downApp.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().checks).toEqual({ database: 'ok', redis: 'ok', storage: 'failing' });
      expect((await app.inject({ method: 'GET', url: '/readyz' })).json().checks.storage).toBe('ok');
    } finally {
      await downApp.close();
      await down.close();
    }
  });

  it('is found by the storage check, and the purge leaves the bucket clean', async () => {
    expect(await checkStorage(t.ctx)).toEqual({ filesWithoutItem: [], itemsWithMissingFiles: [] });
    const orphan = randomUUID();
    await t.ctx.store.publish(orphan, 0, await folder({ 'video.mp4': 'left behind' }));
    const report = await checkStorage(t.ctx);
    expect(report.filesWithoutItem).toEqual([{ itemId: orphan, area: 'media' }]);
    expect(await removeFilesWithoutItem(t.ctx, report)).toBe(1);

    await t.ctx.repos.items.transition(id, 'rejected', {}, ['awaiting_review']);
    await backdate(t, id, 40);
    const result = await purge(t.ctx, { dryRun: false, actor: { kind: 'system', id: null } });
    expect(result.items.map((i) => i.id)).toEqual([id]);
    expect(result.bytes).toBeGreaterThan(0);
    expect(await keys()).toEqual([]);
  });
});
