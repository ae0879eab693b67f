import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { TestEnv } from './harness.js';

/**
 * What a test environment's store holds, asked through the store itself, so the same assertions hold
 * whether media are on disk or in a bucket (TEST_STORAGE=s3).
 */

/** An item's published files as `generation/name`, sorted. */
export async function publishedFiles(t: TestEnv, itemId: string): Promise<string[]> {
  return (await t.ctx.store.files(itemId)).map((f) => `${f.generation}/${f.name}`).sort();
}

/** The generations an item has published, as folder names (`['0']`). */
export async function publishedGenerations(t: TestEnv, itemId: string): Promise<string[]> {
  return [...new Set((await t.ctx.store.files(itemId)).map((f) => String(f.generation)))].sort();
}

export async function hasMedia(t: TestEnv, itemId: string): Promise<boolean> {
  return (await t.ctx.store.files(itemId)).length > 0;
}

/** The bytes a store's `open` gave, whether it read them at once or streams them. */
export async function collect(stream: Readable | Buffer): Promise<Buffer> {
  if (Buffer.isBuffer(stream)) return stream;
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function readPublished(t: TestEnv, itemId: string, generation: number, name: string): Promise<Buffer> {
  return collect(await t.ctx.store.open({ itemId, generation, name }));
}

/** A published file copied to a local temporary file (for ffprobe), whatever the store. */
export async function localCopy(t: TestEnv, itemId: string, generation: number, name: string): Promise<string> {
  const dir = await mkdtemp(path.join(t.dataDir, 'copy-'));
  const file = path.join(dir, name);
  const bytes = await t.ctx.store.open({ itemId, generation, name });
  await pipeline(Buffer.isBuffer(bytes) ? Readable.from([bytes]) : bytes, createWriteStream(file));
  return file;
}

/** Whether scratch or a fetched source of the item is still around. */
export async function hasWork(t: TestEnv, itemId: string): Promise<boolean> {
  return (await t.ctx.store.listItemIds()).work.includes(itemId);
}

export async function originalIds(t: TestEnv): Promise<string[]> {
  return (await t.ctx.store.listItemIds()).originals.sort();
}

/** Everything left on this environment's local disk under DATA_DIR (relative paths), scratch and media alike. */
export async function localFiles(t: TestEnv, sub = ''): Promise<string[]> {
  const root = path.join(t.dataDir, sub);
  const out: string[] = [];
  async function walk(dir: string) {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(path.relative(root, p));
    }
  }
  await walk(root);
  return out.sort();
}
