import { close, fstat, open, read, constants, type Stats } from 'node:fs';
import { Readable } from 'node:stream';

/**
 * Open descriptors of published media files, kept for a few seconds between requests (nginx's
 * `open_file_cache`). A board playing a video asks for it in many Range requests, and many boards
 * play the same video: without this each request pays an open, a stat and a close on top of the
 * read, a third of the API's own work per 1 MiB slice (measured with `npm run bench -- --only range`).
 *
 * Safe because published files never change: they are addressed by generation, and a new version is
 * a new generation in a new folder. A descriptor kept after its file was deleted (purge, re-make)
 * still reads the old bytes, but only a request that passed the access check reaches it, and that
 * check refuses a generation that is no longer published; `forget` drops an item's descriptors when
 * this process removes its files, and every descriptor is closed after `idleMs` without use.
 */
interface Entry {
  fd: number;
  stats: Stats;
  users: number;
  lastUsed: number;
  closing: boolean;
}

export interface OpenFileCache {
  /** The file's stat, or undefined when it is not a regular file. */
  stats(file: string): Promise<Stats | undefined>;
  /**
   * The bytes `range` (inclusive; the whole file without one): a Buffer read at once when they are at most
   * `chunk` bytes, else a stream reading `chunk` bytes at a time. Undefined when the file is not there.
   */
  read(file: string, range: { start: number; end: number } | undefined, chunk: number): Promise<Buffer | Readable | undefined>;
  /** Drops every descriptor whose path starts with `prefix` (an item's folder being removed). */
  forget(prefix: string): void;
  close(): void;
}

const openFd = (file: string) =>
  new Promise<number>((resolve, reject) => open(file, constants.O_RDONLY | constants.O_NOFOLLOW, (e, fd) => (e ? reject(e) : resolve(fd))));
const statFd = (fd: number) => new Promise<Stats>((resolve, reject) => fstat(fd, (e, s) => (e ? reject(e) : resolve(s))));
const closeFd = (fd: number) => close(fd, () => undefined);

function readFully(fd: number, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  return new Promise((resolve, reject) => {
    const step = (done: number) => {
      if (done === length) return resolve(buffer);
      read(fd, buffer, done, length - done, position + done, (e, n) => {
        if (e) return reject(e);
        // The file is shorter than its stat said: it cannot be, as published files never change; refuse rather than send zeros.
        if (n === 0) return reject(new Error('media file shorter than expected'));
        step(done + n);
      });
    };
    step(0);
  });
}

export function openFileCache(opts: { max?: number; idleMs?: number } = {}): OpenFileCache {
  const max = opts.max ?? 256;
  const idleMs = opts.idleMs ?? 10_000;
  const entries = new Map<string, Entry>();
  const opening = new Map<string, Promise<Entry | undefined>>();

  const retire = (file: string, e: Entry) => {
    if (entries.get(file) === e) entries.delete(file);
    e.closing = true;
    if (e.users === 0) closeFd(e.fd);
  };
  const release = (file: string, e: Entry) => {
    e.users--;
    e.lastUsed = Date.now();
    if (e.closing && e.users === 0) closeFd(e.fd);
    else if (entries.size > max) {
      // Over the cap: close the least recently used idle one (Map order is insertion order, refreshed on use).
      for (const [f, other] of entries) {
        if (other.users === 0) {
          retire(f, other);
          break;
        }
      }
    }
  };
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [f, e] of entries) if (e.users === 0 && now - e.lastUsed >= idleMs) retire(f, e);
  }, Math.max(1000, idleMs / 2));
  sweep.unref();

  const acquire = async (file: string): Promise<Entry | undefined> => {
    let e = entries.get(file);
    if (!e) {
      let pending = opening.get(file);
      if (!pending) {
        pending = (async () => {
          let fd: number;
          try {
            fd = await openFd(file);
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
            throw err;
          }
          const stats = await statFd(fd).catch((err) => (closeFd(fd), Promise.reject(err)));
          if (!stats.isFile()) {
            closeFd(fd);
            return undefined;
          }
          const fresh: Entry = { fd, stats, users: 0, lastUsed: Date.now(), closing: false };
          entries.set(file, fresh);
          return fresh;
        })().finally(() => opening.delete(file));
        opening.set(file, pending);
      }
      e = await pending;
      if (!e) return undefined;
    } else {
      // Most recently used last, so eviction finds the oldest first.
      entries.delete(file);
      entries.set(file, e);
    }
    e.users++;
    return e;
  };

  /** Reads `start..end` bytes through the held entry as a stream; the stream releases it when it ends or is destroyed. */
  const streamOf = (file: string, e: Entry, range: { start: number; end: number }, chunk: number): Readable => {
    // Not fs.createReadStream: its destroy closes the descriptor even with autoClose off, and this one is shared.
    let position = range.start;
    let reading: Promise<unknown> = Promise.resolve();
    return new Readable({
      highWaterMark: chunk,
      read() {
        const length = Math.min(chunk, range.end + 1 - position);
        if (length <= 0) return void this.push(null);
        reading = readFully(e.fd, position, length).then(
          (bytes) => {
            position += length;
            this.push(bytes);
          },
          (err: Error) => this.destroy(err),
        );
      },
      destroy(err, callback) {
        // A read still running keeps the descriptor until it returns (it could be closed and its number reused).
        void reading.finally(() => release(file, e));
        callback(err);
      },
    });
  };

  return {
    async stats(file) {
      const e = await acquire(file);
      if (!e) return undefined;
      release(file, e);
      return e.stats;
    },
    async read(file, range, chunk) {
      const e = await acquire(file);
      if (!e) return undefined;
      const r = range ?? { start: 0, end: e.stats.size - 1 };
      const length = r.end - r.start + 1;
      if (length > chunk) return streamOf(file, e, r, chunk);
      try {
        return length > 0 ? await readFully(e.fd, r.start, length) : Buffer.alloc(0);
      } finally {
        release(file, e);
      }
    },
    forget(prefix) {
      for (const [f, e] of entries) if (f.startsWith(prefix)) retire(f, e);
    },
    close() {
      clearInterval(sweep);
      for (const [f, e] of entries) retire(f, e);
    },
  };
}
