import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readlink, readdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFileCache } from '../../src/storage/open-files.js';
import { collect } from '../helpers/stored.js';

// The cache of open media files, on the real file system: what it reads, and that it never keeps a
// descriptor it should have closed (counted in /proc/self/fd).

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vetted-open-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, size: number): Promise<{ file: string; bytes: Buffer }> {
  const f = path.join(dir, name);
  await mkdir(path.dirname(f), { recursive: true });
  const bytes = randomBytes(size);
  await writeFile(f, bytes);
  return { file: f, bytes };
}

/** The open descriptors of this process that point at `file`. */
async function descriptorsOf(file: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target === file || target === `${file} (deleted)`) n++;
  }
  return n;
}

describe('the open media file cache', () => {
  it('reads a slice at once, a larger range as a stream of chunks, and the whole file', async () => {
    const cache = openFileCache();
    const { file: f, bytes } = await file('a/video.mp4', 10_000);
    const slice = await cache.read(f, { start: 100, end: 1099 }, 4096);
    expect(Buffer.isBuffer(slice)).toBe(true);
    expect((slice as Buffer).equals(bytes.subarray(100, 1100))).toBe(true);
    const big = await cache.read(f, { start: 5, end: 9_999 }, 4096);
    expect(big).toBeInstanceOf(Readable);
    const chunks: Buffer[] = [];
    for await (const c of big as Readable) chunks.push(c as Buffer);
    expect(chunks.map((c) => c.length)).toEqual([4096, 4096, 1803]);
    expect(Buffer.concat(chunks).equals(bytes.subarray(5))).toBe(true);
    expect((await collect((await cache.read(f, undefined, 1 << 20))!)).equals(bytes)).toBe(true);
    expect((await cache.read(f, { start: 9_999, end: 9_999 }, 4096))!).toEqual(bytes.subarray(9_999));
    expect((await cache.stats(f))!.size).toBe(10_000);
    cache.close();
  });

  it('keeps one descriptor per file between requests, even for many at once', async () => {
    const cache = openFileCache();
    const { file: f } = await file('b/video.mp4', 5000);
    await Promise.all(Array.from({ length: 20 }, () => cache.read(f, { start: 0, end: 99 }, 4096)));
    expect(await descriptorsOf(f)).toBe(1);
    await cache.stats(f);
    expect(await descriptorsOf(f)).toBe(1);
    cache.close();
    expect(await descriptorsOf(f)).toBe(0);
  });

  it('forgets an item’s files when they are removed, and answers undefined for a file that is not there', async () => {
    const cache = openFileCache();
    const { file: f } = await file('c/1/video.mp4', 100);
    expect(await cache.stats(f)).toBeDefined();
    await unlink(f);
    cache.forget(path.join(dir, 'c') + path.sep);
    expect(await descriptorsOf(f)).toBe(0);
    expect(await cache.stats(f)).toBeUndefined();
    expect(await cache.read(f, undefined, 4096)).toBeUndefined();
    cache.close();
  });

  it('closes a descriptor idle for longer than idleMs', async () => {
    const cache = openFileCache({ idleMs: 1000 });
    const { file: f } = await file('d/video.mp4', 100);
    await cache.stats(f);
    expect(await descriptorsOf(f)).toBe(1);
    await new Promise((r) => setTimeout(r, 2200));
    expect(await descriptorsOf(f)).toBe(0);
    cache.close();
  });

  it('keeps at most `max` idle descriptors, closing the least recently used', async () => {
    const cache = openFileCache({ max: 2 });
    const files = await Promise.all(['e1', 'e2', 'e3'].map((n) => file(`${n}/video.mp4`, 100)));
    for (const { file: f } of files) await cache.stats(f);
    expect(await Promise.all(files.map(({ file: f }) => descriptorsOf(f)))).toEqual([0, 1, 1]);
    cache.close();
  });

  it('a stream destroyed half-way (a board that stopped playing) gives its descriptor back', async () => {
    const cache = openFileCache();
    const { file: f } = await file('g/video.mp4', 50_000);
    const s = (await cache.read(f, undefined, 4096)) as Readable;
    await new Promise((r) => s.once('readable', r));
    s.read();
    s.destroy();
    await new Promise((r) => s.once('close', r));
    // Still cached (not in use), then closed when forgotten: nothing held it.
    cache.forget(path.dirname(f) + path.sep);
    await new Promise((r) => setTimeout(r, 50));
    expect(await descriptorsOf(f)).toBe(0);
    cache.close();
  });

  it('a descriptor in use is closed only when its reader is done', async () => {
    const cache = openFileCache();
    const { file: f, bytes } = await file('h/video.mp4', 50_000);
    const s = (await cache.read(f, undefined, 4096)) as Readable;
    cache.forget(path.dirname(f) + path.sep);
    expect(await descriptorsOf(f)).toBe(1);
    expect((await collect(s)).equals(bytes)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(await descriptorsOf(f)).toBe(0);
    cache.close();
  });

  it('refuses a folder and a symbolic link (published media are plain files)', async () => {
    const cache = openFileCache();
    const { file: f } = await file('i/video.mp4', 100);
    const link = path.join(dir, 'i', 'link.mp4');
    await symlink(f, link);
    expect(await cache.stats(path.join(dir, 'i'))).toBeUndefined();
    expect(await cache.stats(link)).toBeUndefined();
    expect(await cache.read(link, undefined, 4096)).toBeUndefined();
    cache.close();
  });
});
