import type { Readable } from 'node:stream';
import type { Config, S3Settings } from '../config.js';
import { localMediaStore } from './local.js';

/** One published file: an item's media of one generation (`video.mp4`, `poster.jpg`, `page.html`…). */
export interface MediaKey {
  itemId: string;
  generation: number;
  name: string;
}

export interface StoredFile {
  size: number;
  modified: Date;
  /** A strong validator for the file's bytes (quoted, as HTTP wants it). */
  etag: string;
}

/** Inclusive byte positions, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

/** What the fetch stage leaves for the media stage: a folder of files on this host, and what they are. */
export interface SourceHandOff<T> {
  dir: string;
  meta: T;
}

/**
 * Where media files live. This module is the only one that knows a file's place: on local disk
 * (`STORAGE=local`, one machine) or in an S3-compatible bucket (`STORAGE=s3`, many machines).
 *
 * Three areas per item:
 * - scratch folders (`workDir`): always on this host's disk, private to one stage run; ffmpeg and the
 *   fetchers read and write only here;
 * - the fetched source handed from the fetch stage to the media stage (`saveSource`/`loadSource`),
 *   and an uploaded original (`saveOriginal`/`copyOriginal`): in the store, so a stage may run on
 *   any worker;
 * - published media, one folder per generation, immutable once published. Publishing never shows a
 *   half-written file: on disk a whole folder is renamed into place; in a bucket the generation's
 *   files are uploaded first and only the guarded status change in Postgres makes them visible.
 */
export interface MediaStore {
  readonly kind: 'local' | 's3';

  /** A private scratch folder on this host for one item's stage; emptied first. */
  workDir(itemId: string, name: string): Promise<string>;
  /**
   * Deletes one scratch folder, or (no name) all of the item's scratch on this host together with
   * its fetched source: what a finished or failed item no longer needs.
   */
  removeWork(itemId: string, name?: string): Promise<void>;

  /** Keeps what the fetch stage brought home (every file in `dir`, and `meta`) for the media stage. Consumes `dir`. */
  saveSource(itemId: string, dir: string, meta: object): Promise<void>;
  /** The fetched source as a folder on this host (downloaded to scratch from a bucket), or undefined if lost. */
  loadSource<T>(itemId: string): Promise<SourceHandOff<T> | undefined>;

  /**
   * Stores an uploaded original, kept until the item is purged so the teacher can trim and re-make it.
   * Nothing is visible under the original's name until the whole body has arrived; if `body` fails,
   * nothing is left behind.
   */
  saveOriginal(itemId: string, body: Readable): Promise<void>;
  /** Copies the uploaded original to a file on this host; false when there is none. */
  copyOriginal(itemId: string, target: string): Promise<boolean>;

  /** Stores a finished scratch folder as the item's media of this generation, then drops the folder. Idempotent. */
  publish(itemId: string, generation: number, fromDir: string): Promise<void>;
  /**
   * Publishes a copy of another item's media (hard links on disk, server-side copies in a bucket: no
   * bytes pass through Vetted). Each item keeps its own copy, so purging one never takes another's files.
   */
  share(fromItem: string, fromGeneration: number, toItem: string, toGeneration: number): Promise<void>;
  /** Total bytes of a published generation (0 when there is none). */
  size(itemId: string, generation: number): Promise<number>;
  /** The published files of an item, every generation (`generation/name`), for checks and tests. */
  files(itemId: string): Promise<Array<{ generation: number; name: string; size: number }>>;
  /** A published file's size and validators, or undefined when it is not there. */
  stat(key: MediaKey): Promise<StoredFile | undefined>;
  /**
   * Reads a published file, or the given inclusive byte range of it: a stream, or the bytes themselves
   * when a store reads a small range at once. Rejects when the file is not there.
   */
  open(key: MediaKey, range?: ByteRange): Promise<Readable | Buffer>;
  /**
   * The file's path under the media folder (`<item>/<generation>/<name>`) for a reverse proxy that
   * serves that folder itself (`MEDIA_ACCEL=nginx`); undefined when the files are not on this disk.
   */
  accelPath(key: MediaKey): string | undefined;

  /** Deletes every published file, fetched source, scratch folder and uploaded original of an item. */
  removeItem(itemId: string): Promise<void>;
  /** Deletes published generations other than `keep`. */
  removeOtherGenerations(itemId: string, keep: number): Promise<void>;
  /** Item ids that have something in each area (`work` = scratch on this host or a fetched source). */
  listItemIds(): Promise<{ media: string[]; work: string[]; originals: string[] }>;
  /** Whether the store answers (for readiness checks): throws with the reason when it does not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const SAFE = /^[A-Za-z0-9._-]+$/;
/** Every key part comes from our own ids and names; refuse anything that could climb out or confuse a listing. */
export function safe(part: string): string {
  if (!SAFE.test(part) || part === '.' || part === '..') throw new Error(`unsafe storage name: ${part}`);
  return part;
}
export function isSafeName(part: string): boolean {
  return SAFE.test(part) && part !== '.' && part !== '..';
}

/** The file holding a fetched source's description, next to its files. */
export const SOURCE_META = 'source.json';

export function createStore(config: Readonly<Config>): MediaStore {
  return config.storage.kind === 's3' ? deferredS3Store(config.storage, config.dataDir) : localMediaStore(config.dataDir);
}

/** The store's methods that answer later anyway, so they can wait for the store itself to be loaded first. */
type AsyncMethod = { [K in keyof MediaStore]: MediaStore[K] extends (...args: never[]) => Promise<unknown> ? K : never }[keyof MediaStore];

/**
 * The bucket store, with the AWS SDK (about 20 MB of every process that loads it) imported at its first use: a school
 * on local disk never loads it, a worker or API on S3 when it first touches a file.
 */
function deferredS3Store(settings: S3Settings, dataDir: string): MediaStore {
  let loaded: Promise<MediaStore> | undefined;
  const store = () => (loaded ??= import('./s3.js').then((m) => m.s3MediaStore(settings, dataDir)));
  const later = <K extends AsyncMethod>(name: K) =>
    (async (...args: unknown[]) => ((await store())[name] as (...a: unknown[]) => Promise<unknown>)(...args)) as MediaStore[K];
  return {
    kind: 's3',
    workDir: later('workDir'),
    removeWork: later('removeWork'),
    saveSource: later('saveSource'),
    loadSource: later('loadSource'),
    saveOriginal: later('saveOriginal'),
    copyOriginal: later('copyOriginal'),
    publish: later('publish'),
    share: later('share'),
    size: later('size'),
    files: later('files'),
    stat: later('stat'),
    open: later('open'),
    // A bucket is not a folder a reverse proxy can serve (config refuses MEDIA_ACCEL=nginx with s3).
    accelPath: () => undefined,
    removeItem: later('removeItem'),
    removeOtherGenerations: later('removeOtherGenerations'),
    listItemIds: later('listItemIds'),
    ping: later('ping'),
    // Nothing to close when nothing was loaded.
    close: async () => (loaded ? (await loaded).close() : undefined),
  };
}
