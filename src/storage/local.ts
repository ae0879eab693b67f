import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { openFileCache } from './open-files.js';
import { filesIn, scratchArea } from './scratch.js';
import { isSafeName, safe, SOURCE_META, type MediaStore } from './store.js';

/**
 * Reads of 1 MiB: Node's 64 KiB default is several times slower for video (see facts.md). A board's
 * Range request of up to this size is one read into one buffer, no stream.
 */
const READ_CHUNK = 1 << 20;

/**
 * Media on this machine's disk, under DATA_DIR: `media/<item>/<generation>/<file>`,
 * `originals/<item>/source.bin`, and scratch plus the fetched source under `work/<item>/`.
 * A folder is published with one rename, so nobody ever sees a half-written file.
 */
export function localMediaStore(dataDir: string): MediaStore {
  const mediaRoot = path.join(dataDir, 'media');
  const originalsRoot = path.join(dataDir, 'originals');
  const scratch = scratchArea(dataDir);
  const itemDir = (itemId: string) => path.join(mediaRoot, safe(itemId));
  const genDir = (itemId: string, generation: number) => path.join(itemDir(itemId), String(generation));
  const filePath = (k: { itemId: string; generation: number; name: string }) => path.join(genDir(k.itemId, k.generation), safe(k.name));
  const originalPath = (itemId: string) => path.join(originalsRoot, safe(itemId), 'source.bin');
  // The fetched source stays in the scratch area on disk: one machine, nothing to hand over.
  const SOURCE = 'source';
  // Published files never change, so their descriptors are kept between requests (see open-files.ts).
  const published = openFileCache();

  async function list(itemId: string) {
    const out: Array<{ generation: number; name: string; size: number }> = [];
    for (const gen of await fs.readdir(itemDir(itemId)).catch(() => [] as string[])) {
      if (!/^\d+$/.test(gen)) continue;
      for (const name of await filesIn(path.join(itemDir(itemId), gen)).catch(() => [] as string[])) {
        const { size } = await fs.stat(path.join(itemDir(itemId), gen, name));
        out.push({ generation: Number(gen), name, size });
      }
    }
    return out;
  }

  async function publishDir(itemId: string, generation: number, fromDir: string) {
    const target = genDir(itemId, generation);
    await fs.mkdir(path.dirname(target), { recursive: true });
    try {
      await fs.rename(fromDir, target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Already published by an earlier run of the same job: keep that one, drop ours.
      if (code === 'ENOTEMPTY' || code === 'EEXIST') {
        await fs.rm(fromDir, { recursive: true, force: true });
        return;
      }
      throw e;
    }
  }

  return {
    kind: 'local',
    workDir: (itemId, name) => scratch.fresh(itemId, name),
    removeWork: (itemId, name) => scratch.remove(itemId, name),

    async saveSource(itemId, dir, meta) {
      const target = scratch.dir(itemId, SOURCE);
      if (path.resolve(dir) !== target) {
        await fs.rm(target, { recursive: true, force: true });
        await fs.rename(dir, target);
      }
      // Written last: its presence says the folder is complete.
      await fs.writeFile(`${path.join(target, SOURCE_META)}.part`, JSON.stringify(meta));
      await fs.rename(`${path.join(target, SOURCE_META)}.part`, path.join(target, SOURCE_META));
    },
    async loadSource<T>(itemId: string) {
      const dir = scratch.dir(itemId, SOURCE);
      const meta = await fs
        .readFile(path.join(dir, SOURCE_META), 'utf8')
        .then((t) => JSON.parse(t) as T)
        .catch(() => undefined);
      return meta === undefined ? undefined : { dir, meta };
    },

    async saveOriginal(itemId, body) {
      const target = originalPath(itemId);
      await fs.mkdir(path.dirname(target), { recursive: true });
      try {
        await pipeline(body, createWriteStream(`${target}.part`));
        await fs.rename(`${target}.part`, target);
      } catch (e) {
        await fs.rm(path.dirname(target), { recursive: true, force: true });
        throw e;
      }
    },
    async copyOriginal(itemId, target) {
      const original = originalPath(itemId);
      try {
        // A hard link: instant and no extra space; the original stays for a later re-make.
        await fs.link(original, target);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
        await fs.copyFile(original, target);
      }
      return true;
    },

    publish: publishDir,
    async share(fromItem, fromGeneration, toItem, toGeneration) {
      const from = genDir(fromItem, fromGeneration);
      const dir = await scratch.fresh(toItem, 'share');
      for (const name of await filesIn(from)) {
        await fs.link(path.join(from, name), path.join(dir, name)).catch(() => fs.copyFile(path.join(from, name), path.join(dir, name)));
      }
      await publishDir(toItem, toGeneration, dir);
      await scratch.remove(toItem);
    },
    async size(itemId, generation) {
      return (await list(itemId)).filter((f) => f.generation === generation).reduce((n, f) => n + f.size, 0);
    },
    files: list,
    async stat(key) {
      const s = await published.stats(filePath(key));
      if (!s) return undefined;
      return { size: s.size, modified: s.mtime, etag: `"${s.ino.toString(16)}-${s.size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}"` };
    },
    async open(key, range) {
      const bytes = await published.read(filePath(key), range, READ_CHUNK);
      if (!bytes) throw Object.assign(new Error(`media file not found: ${key.itemId}/${key.generation}/${key.name}`), { code: 'ENOENT' });
      return bytes;
    },

    accelPath(key) {
      return `${safe(key.itemId)}/${key.generation}/${safe(key.name)}`;
    },

    async removeItem(itemId) {
      published.forget(itemDir(itemId) + path.sep);
      await fs.rm(itemDir(itemId), { recursive: true, force: true });
      await fs.rm(path.join(originalsRoot, safe(itemId)), { recursive: true, force: true });
      await scratch.remove(itemId);
    },
    async removeOtherGenerations(itemId, keep) {
      published.forget(itemDir(itemId) + path.sep);
      for (const entry of await fs.readdir(itemDir(itemId)).catch(() => [] as string[])) {
        if (entry !== String(keep)) await fs.rm(path.join(itemDir(itemId), entry), { recursive: true, force: true });
      }
    },
    async listItemIds() {
      const names = async (d: string) => (await fs.readdir(d).catch(() => [] as string[])).filter(isSafeName);
      return { media: await names(mediaRoot), work: await scratch.itemIds(), originals: await names(originalsRoot) };
    },
    async ping() {
      await fs.mkdir(mediaRoot, { recursive: true });
      await fs.access(mediaRoot, fs.constants.W_OK);
    },
    async close() {
      published.close();
    },
  };
}

/**
 * The folders under DATA_DIR that hold the school's files in the local store, for backups. The
 * scratch area is not among them: work in progress is redone after a restore.
 */
export const LOCAL_KEPT_FOLDERS = ['media', 'originals'] as const;
