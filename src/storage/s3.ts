import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Settings } from '../config.js';
import { VettedError } from '../domain/errors.js';
import { contentTypeOf } from './content-type.js';
import { filesIn, scratchArea } from './scratch.js';
import { isSafeName, safe, SOURCE_META, type MediaKey, type MediaStore } from './store.js';

/** Multipart parts of 8 MiB, four in flight: at most 32 MiB of an upload in memory. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;

/**
 * A bucket that does not answer (network, 5xx) or refuses our credentials becomes one clear error —
 * 503 for a person, a transient fault for a job, which retries with backoff — instead of a 500.
 * A missing key passes through (callers ask for it), as do other 4xx answers (our own mistake).
 */
export function storageError(e: unknown): unknown {
  if (notFound(e) || e instanceof VettedError) return e;
  const status = e instanceof S3ServiceException ? e.$metadata.httpStatusCode : undefined;
  const noBucket = e instanceof S3ServiceException && e.name === 'NoSuchBucket';
  if (status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 403 && !noBucket) return e;
  const err =
    status === 401 || status === 403
      ? new VettedError(
          'storage_refused',
          'The media storage refused Vetted’s access key. Tell the person who looks after Vetted (S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY).',
          { httpStatus: 503, transient: true },
        )
      : new VettedError('storage_unavailable', 'The media storage did not answer. Try again in a few minutes; if it keeps failing, tell the person who looks after Vetted.', {
          httpStatus: 503,
          transient: true,
        });
  return Object.assign(err, { cause: e });
}

function notFound(e: unknown): boolean {
  // A missing bucket is a broken installation, not a missing file.
  if (!(e instanceof S3ServiceException) || e.name === 'NoSuchBucket') return false;
  return e.$metadata.httpStatusCode === 404 || e.name === 'NoSuchKey' || e.name === 'NotFound';
}

/**
 * Media in an S3-compatible bucket (AWS, Ceph's object gateway, MinIO…), so the API and any number
 * of workers on other machines share them. Keys:
 *   media/<item>/<generation>/<file>   published, immutable per generation
 *   originals/<item>/source.bin        an uploaded video, kept for re-making
 *   sources/<item>/<file>              what the fetch stage hands to the media stage (source.json last)
 * Scratch stays on this host's disk: ffmpeg gets local files only (never a URL — see facts.md).
 * Media are read through Vetted (Range passed on), never by presigned URL: access is checked on every
 * request, and a URL would keep working after the item was reported or removed.
 */
export function s3MediaStore(settings: S3Settings, dataDir: string): MediaStore {
  const client = new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    ...(settings.accessKeyId && settings.secretAccessKey
      ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
      : {}),
    // Servers other than AWS (Ceph, MinIO, Garage) reject or mishandle the newer default checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    // A server that stops answering must not hang a job or a request for ever (the SDK's default).
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (e) {
        throw storageError(e);
      }
    },
    // Outermost: after the SDK's own retries.
    { step: 'initialize', name: 'vettedStorageErrors' },
  );
  const Bucket = settings.bucket;
  const scratch = scratchArea(dataDir);
  const mediaPrefix = (itemId: string) => `media/${safe(itemId)}/`;
  const genPrefix = (itemId: string, generation: number) => `${mediaPrefix(itemId)}${generation}/`;
  const mediaKey = (k: MediaKey) => `${genPrefix(k.itemId, k.generation)}${safe(k.name)}`;
  const originalKey = (itemId: string) => `originals/${safe(itemId)}/source.bin`;
  const sourcePrefix = (itemId: string) => `sources/${safe(itemId)}/`;

  async function listKeys(Prefix: string): Promise<Array<{ key: string; size: number }>> {
    const out: Array<{ key: string; size: number }> = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix, ContinuationToken }));
      for (const o of page.Contents ?? []) if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0 });
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return out;
  }

  /** The next level of names under a prefix (`media/` → item ids). */
  async function listNames(Prefix: string): Promise<string[]> {
    const out: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix, Delimiter: '/', ContinuationToken }));
      for (const p of page.CommonPrefixes ?? []) {
        const name = p.Prefix?.slice(Prefix.length).replace(/\/$/, '');
        if (name && isSafeName(name)) out.push(name);
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return out;
  }

  async function deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const res = await client.send(
        new DeleteObjectsCommand({ Bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length) throw new Error(`could not delete ${failed.length} objects (first: ${failed[0]?.Key}: ${failed[0]?.Code})`);
    }
  }
  const deletePrefix = async (prefix: string) => deleteKeys((await listKeys(prefix)).map((o) => o.key));

  async function uploadFile(Key: string, file: string): Promise<void> {
    const upload = new Upload({
      client,
      params: { Bucket, Key, Body: createReadStream(file, { highWaterMark: 1 << 20 }), ContentType: contentTypeOf(Key) },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async function download(Key: string, target: string): Promise<boolean> {
    try {
      const res = await client.send(new GetObjectCommand({ Bucket, Key }));
      await pipeline(res.Body as Readable, createWriteStream(target));
      return true;
    } catch (e) {
      if (notFound(e)) return false;
      throw e;
    }
  }

  /** Uploads every file of a folder under a prefix, a few at a time. */
  async function uploadDir(dir: string, prefix: string, skip: (name: string) => boolean = () => false): Promise<void> {
    const names = (await filesIn(dir)).filter((n) => !skip(n));
    for (let i = 0; i < names.length; i += QUEUE_SIZE) {
      await Promise.all(names.slice(i, i + QUEUE_SIZE).map((n) => uploadFile(`${prefix}${safe(n)}`, path.join(dir, n))));
    }
  }

  async function files(itemId: string) {
    const prefix = mediaPrefix(itemId);
    const out: Array<{ generation: number; name: string; size: number }> = [];
    for (const o of await listKeys(prefix)) {
      const [gen, name, ...rest] = o.key.slice(prefix.length).split('/');
      if (!gen || !/^\d+$/.test(gen) || !name || rest.length) continue;
      out.push({ generation: Number(gen), name, size: o.size });
    }
    return out;
  }

  return {
    kind: 's3',
    workDir: (itemId, name) => scratch.fresh(itemId, name),
    async removeWork(itemId, name) {
      await scratch.remove(itemId, name);
      if (!name) await deletePrefix(sourcePrefix(itemId));
    },

    async saveSource(itemId, dir, meta) {
      const prefix = sourcePrefix(itemId);
      // An earlier, interrupted run may have left other files: start clean.
      await deletePrefix(prefix);
      await uploadDir(dir, prefix, (n) => n === SOURCE_META);
      // Written last: its presence says the other files are all there.
      await client.send(
        new PutObjectCommand({ Bucket, Key: `${prefix}${SOURCE_META}`, Body: JSON.stringify(meta), ContentType: 'application/json' }),
      );
      await fs.rm(dir, { recursive: true, force: true });
      // The item's scratch folder on this host, if nothing else is in it: the media stage may run elsewhere.
      await fs.rmdir(scratch.itemDir(itemId)).catch(() => undefined);
    },
    async loadSource<T>(itemId: string) {
      const prefix = sourcePrefix(itemId);
      let meta: T;
      try {
        const res = await client.send(new GetObjectCommand({ Bucket, Key: `${prefix}${SOURCE_META}` }));
        meta = JSON.parse(await res.Body!.transformToString('utf8')) as T;
      } catch (e) {
        if (notFound(e)) return undefined;
        throw e;
      }
      const dir = await scratch.fresh(itemId, 'source');
      for (const o of await listKeys(prefix)) {
        const name = o.key.slice(prefix.length);
        if (name === SOURCE_META || !isSafeName(name)) continue;
        if (!(await download(o.key, path.join(dir, name)))) return undefined;
      }
      return { dir, meta };
    },

    async saveOriginal(itemId, body) {
      // One multipart upload: parts go up while the teacher's browser is still sending; an aborted
      // upload is aborted on the server too, so no half-written original is ever listed.
      const upload = new Upload({
        client,
        params: { Bucket, Key: originalKey(itemId), Body: body, ContentType: 'application/octet-stream' },
        partSize: PART_SIZE,
        queueSize: QUEUE_SIZE,
        leavePartsOnError: false,
      });
      await upload.done();
    },
    async copyOriginal(itemId, target) {
      return download(originalKey(itemId), target);
    },

    async publish(itemId, generation, fromDir) {
      // Visible to nobody until Postgres says this generation is the item's media.
      await uploadDir(fromDir, genPrefix(itemId, generation));
      await fs.rm(fromDir, { recursive: true, force: true });
    },
    async share(fromItem, fromGeneration, toItem, toGeneration) {
      const from = genPrefix(fromItem, fromGeneration);
      const to = genPrefix(toItem, toGeneration);
      for (const o of await listKeys(from)) {
        const name = o.key.slice(from.length);
        if (!isSafeName(name)) continue;
        // CopySource is "bucket/key", URL-encoded; our keys are plain ASCII names, so only '/' stays.
        await client.send(new CopyObjectCommand({ Bucket, Key: `${to}${name}`, CopySource: encodeURI(`${Bucket}/${o.key}`) }));
      }
    },
    async size(itemId, generation) {
      return (await listKeys(genPrefix(itemId, generation))).reduce((n, o) => n + o.size, 0);
    },
    files,
    async stat(key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket, Key: mediaKey(key) }));
        return { size: head.ContentLength ?? 0, modified: head.LastModified ?? new Date(0), etag: head.ETag ?? `"${head.ContentLength}"` };
      } catch (e) {
        if (notFound(e)) return undefined;
        throw e;
      }
    },
    async open(key, range) {
      const res = await client.send(
        new GetObjectCommand({ Bucket, Key: mediaKey(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      return res.Body as Readable;
    },

    accelPath() {
      // A bucket is not a folder nginx can serve; Vetted streams from it (config refuses MEDIA_ACCEL=nginx with s3).
      return undefined;
    },

    async removeItem(itemId) {
      await deletePrefix(mediaPrefix(itemId));
      await deletePrefix(`originals/${safe(itemId)}/`);
      await deletePrefix(sourcePrefix(itemId));
      await scratch.remove(itemId);
    },
    async removeOtherGenerations(itemId, keep) {
      const prefix = mediaPrefix(itemId);
      const keepPrefix = `${prefix}${keep}/`;
      await deleteKeys((await listKeys(prefix)).map((o) => o.key).filter((k) => !k.startsWith(keepPrefix)));
    },
    async listItemIds() {
      const [media, sources, originals, local] = await Promise.all([
        listNames('media/'),
        listNames('sources/'),
        listNames('originals/'),
        scratch.itemIds(),
      ]);
      return { media, work: [...new Set([...local, ...sources])], originals };
    },
    async ping() {
      await client.send(new HeadBucketCommand({ Bucket }));
    },
    async close() {
      client.destroy();
    },
  };
}
