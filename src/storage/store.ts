import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** What serving needs to know of a published file before it answers. */
export interface StoredFile {
  size: number;
  modified: Date;
}

/** Bytes `start`…`end` of a file, both included. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Reads of 1 MiB: Node's default (64 KiB, and send's 16 KiB) costs a system call and a socket write
 * per small chunk, which was most of the gap to nginx's sendfile for video Range requests.
 */
const READ_SIZE = 1 << 20;

/**
 * Where media files live. Local disk now; the interface is small so an S3-compatible store can
 * stand in later. Files are published a whole folder at a time: the worker writes into a work
 * folder and `publish` renames it into place, so nobody ever sees a half-written file.
 */
export interface MediaStore {
  /** Absolute path of a published file (for checks that look at the disk). */
  filePath(itemId: string, generation: number, name: string): string;
  /** The storage key of a published file, `<itemId>/<generation>/<name>` (an accelerating proxy's path under its media root). */
  key(itemId: string, generation: number, name: string): string;
  /** Size and modification time of a published file; undefined when it is not there. */
  stat(itemId: string, generation: number, name: string): Promise<StoredFile | undefined>;
  /** The bytes of a published file, all of them or one range, read in large chunks. */
  open(itemId: string, generation: number, name: string, range?: ByteRange): Promise<Readable>;
  /** A private scratch folder for one item's stage; emptied first. */
  workDir(itemId: string, name: string): Promise<string>;
  /** Moves a finished folder into place as the item's media of this generation. Idempotent. */
  publish(itemId: string, generation: number, fromDir: string): Promise<void>;
  /**
   * Publishes a copy of another item's media (hard links where the disk allows: instant, no extra
   * space). Each item keeps its own folder, so purging one never takes another's files.
   */
  share(fromItem: string, fromGeneration: number, toItem: string, toGeneration: number): Promise<void>;
  /** Total bytes of a published generation. */
  size(itemId: string, generation: number): Promise<number>;
  /**
   * Where the original of an uploaded file is kept (outside the scratch area, which is emptied once
   * the item is ready), so the teacher can trim and re-make it like a fetched link.
   */
  originalPath(itemId: string): string;
  /** Deletes every published file, scratch folder and uploaded original of an item. */
  removeItem(itemId: string): Promise<void>;
  /** Deletes published generations other than `keep`. */
  removeOtherGenerations(itemId: string, keep: number): Promise<void>;
  removeWork(itemId: string, name?: string): Promise<void>;
  /** Item ids that have media or scratch folders on disk. */
  listItemIds(): Promise<{ media: string[]; work: string[]; originals: string[] }>;
}

const SAFE = /^[A-Za-z0-9._-]+$/;
function safe(part: string): string {
  // Every path part comes from our own ids and names; refuse anything that could climb out.
  if (!SAFE.test(part) || part === '.' || part === '..') throw new Error(`unsafe storage name: ${part}`);
  return part;
}

export function localMediaStore(dataDir: string): MediaStore {
  const mediaRoot = path.join(dataDir, 'media');
  const workRoot = path.join(dataDir, 'work');
  const originalsRoot = path.join(dataDir, 'originals');
  const genDir = (itemId: string, generation: number) => path.join(mediaRoot, safe(itemId), String(generation));

  async function dirSize(dir: string): Promise<number> {
    let total = 0;
    for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(dir, entry.name);
      total += entry.isDirectory() ? await dirSize(p) : (await fs.stat(p)).size;
    }
    return total;
  }

  return {
    filePath(itemId, generation, name) {
      return path.join(genDir(itemId, generation), safe(name));
    },
    key(itemId, generation, name) {
      return `${safe(itemId)}/${generation}/${safe(name)}`;
    },
    async stat(itemId, generation, name) {
      try {
        const st = await fs.stat(this.filePath(itemId, generation, name));
        return st.isFile() ? { size: st.size, modified: st.mtime } : undefined;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    async open(itemId, generation, name, range) {
      return createReadStream(this.filePath(itemId, generation, name), {
        highWaterMark: READ_SIZE,
        ...(range ? { start: range.start, end: range.end } : {}),
      });
    },
    async workDir(itemId, name) {
      const dir = path.join(workRoot, safe(itemId), safe(name));
      await fs.rm(dir, { recursive: true, force: true });
      await fs.mkdir(dir, { recursive: true });
      return dir;
    },
    async publish(itemId, generation, fromDir) {
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
    },
    async share(fromItem, fromGeneration, toItem, toGeneration) {
      const from = genDir(fromItem, fromGeneration);
      const dir = await this.workDir(toItem, 'share');
      for (const name of await fs.readdir(from)) {
        await fs.link(path.join(from, name), path.join(dir, name)).catch(() => fs.copyFile(path.join(from, name), path.join(dir, name)));
      }
      await this.publish(toItem, toGeneration, dir);
      await fs.rm(path.join(workRoot, safe(toItem)), { recursive: true, force: true });
    },
    async size(itemId, generation) {
      return dirSize(genDir(itemId, generation));
    },
    originalPath(itemId) {
      return path.join(originalsRoot, safe(itemId), 'source.bin');
    },
    async removeItem(itemId) {
      await fs.rm(path.join(mediaRoot, safe(itemId)), { recursive: true, force: true });
      await fs.rm(path.join(originalsRoot, safe(itemId)), { recursive: true, force: true });
      await fs.rm(path.join(workRoot, safe(itemId)), { recursive: true, force: true });
    },
    async removeOtherGenerations(itemId, keep) {
      const dir = path.join(mediaRoot, safe(itemId));
      for (const entry of await fs.readdir(dir).catch(() => [] as string[])) {
        if (entry !== String(keep)) await fs.rm(path.join(dir, entry), { recursive: true, force: true });
      }
    },
    async removeWork(itemId, name) {
      const dir = name ? path.join(workRoot, safe(itemId), safe(name)) : path.join(workRoot, safe(itemId));
      await fs.rm(dir, { recursive: true, force: true });
    },
    async listItemIds() {
      const list = async (d: string) => (await fs.readdir(d).catch(() => [] as string[])).filter((n) => SAFE.test(n));
      return { media: await list(mediaRoot), work: await list(workRoot), originals: await list(originalsRoot) };
    },
  };
}
