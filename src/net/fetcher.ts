import type { IncomingHttpHeaders } from 'node:http';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, Transform, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import { VettedError } from '../domain/errors.js';
import {
  abortReason,
  emptyError,
  encodingError,
  mapNetworkError,
  statusError,
  tooLargeError,
  truncatedError,
} from './errors.js';
import { guardedRequest, type FetchPolicy, type GuardedResponse, type NetTestHooks } from './request.js';

export {
  DEFAULT_USER_AGENT,
  guardedRequest,
  policyFromConfig,
  type FetchPolicy,
  type GuardedRequestOptions,
  type GuardedResponse,
  type NetTestHooks,
} from './request.js';

export interface AcceptInfo {
  /** Media type only, lower-case, without parameters (e.g. "video/mp4"). */
  contentType: string | undefined;
  contentLength: number | undefined;
  url: URL;
}

/** May throw a VettedError to refuse a response (e.g. an HTML page where a video was expected). */
export type AcceptCheck = (res: AcceptInfo) => void;

export interface DownloadOptions {
  policy: FetchPolicy;
  signal?: AbortSignal;
  /** Called at most every PROGRESS_INTERVAL_MS while streaming, and once at the end. */
  onProgress?: (receivedBytes: number, totalBytes: number | undefined) => void;
  accept?: AcceptCheck;
  testHooks?: NetTestHooks;
}

export interface FetchBufferOptions {
  policy: FetchPolicy;
  signal?: AbortSignal;
  accept?: AcceptCheck;
  testHooks?: NetTestHooks;
}

export interface FetchedBuffer {
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  /** Decoded body (Content-Encoding removed). */
  body: Buffer;
  contentType?: string;
}

const PROGRESS_INTERVAL_MS = 250;

function mediaType(header: string | undefined): string | undefined {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  return type ? type : undefined;
}

function contentLengthOf(headers: IncomingHttpHeaders): number | undefined {
  const raw = headers['content-length'];
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

/** Status, declared size and the caller's own check, all before a single body byte is read. */
function admit(res: GuardedResponse, policy: FetchPolicy, accept: AcceptCheck | undefined): AcceptInfo {
  try {
    const bad = statusError(res.status);
    if (bad) throw bad;
    const info: AcceptInfo = {
      contentType: mediaType(res.headers['content-type']),
      contentLength: contentLengthOf(res.headers),
      url: res.url,
    };
    if (info.contentLength !== undefined && info.contentLength > policy.maxBytes) throw tooLargeError(policy.maxBytes);
    accept?.(info);
    return info;
  } catch (e) {
    res.body.destroy();
    throw e;
  }
}

function settleError(e: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return abortReason(signal);
  return e;
}

async function writeAll(fh: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename itself durable; some filesystems refuse fsync on directories, which is harmless here.
  const handle = await open(dir, 'r').catch(() => undefined);
  await handle?.sync().catch(() => undefined);
  await handle?.close().catch(() => undefined);
}

/**
 * Streams a URL into `destPath`. Bytes land in `destPath + ".part"` and only a complete, fsynced file is renamed
 * into place, so `destPath` existing always means "whole download". Content-Encoding is not undone: the
 * request asks for identity and the bytes are stored as sent.
 */
export async function downloadToFile(
  url: string | URL,
  destPath: string,
  opts: DownloadOptions,
): Promise<{ url: URL; bytes: number; contentType: string | undefined }> {
  const { policy, signal } = opts;
  const res = await guardedRequest(url, {
    policy,
    signal,
    headers: { 'accept-encoding': 'identity' },
    testHooks: opts.testHooks,
  });
  const info = admit(res, policy, opts.accept);
  const partPath = `${destPath}.part`;
  let fh: FileHandle | undefined;
  try {
    await mkdir(path.dirname(destPath), { recursive: true });
    fh = await open(partPath, 'w');
    let received = 0;
    let lastProgress = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > policy.maxBytes) throw tooLargeError(policy.maxBytes);
      await writeAll(fh, chunk);
      if (opts.onProgress && Date.now() - lastProgress >= PROGRESS_INTERVAL_MS) {
        lastProgress = Date.now();
        opts.onProgress(received, info.contentLength);
      }
    }
    if (info.contentLength !== undefined && received < info.contentLength) throw truncatedError();
    if (received === 0) throw emptyError();
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(partPath, destPath);
    await syncDirectory(path.dirname(destPath));
    opts.onProgress?.(received, info.contentLength);
    return { url: res.url, bytes: received, contentType: info.contentType };
  } catch (e) {
    res.body.destroy();
    await fh?.close().catch(() => undefined);
    await rm(partPath, { force: true }).catch(() => undefined);
    throw settleError(e, signal);
  }
}

/** Fails the stream once more than `max` bytes have passed through it. */
function byteLimit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) done(tooLargeError(max));
      else done(null, chunk);
    },
  });
}

/** Decoders in the order to apply them: Content-Encoding lists codings in the order they were applied. */
function decodersFor(header: string | undefined): Transform[] {
  const codings = (header ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity')
    .reverse();
  return codings.map((coding) => {
    if (coding === 'gzip' || coding === 'x-gzip') return zlib.createGunzip();
    if (coding === 'deflate') return zlib.createInflate();
    if (coding === 'br') return zlib.createBrotliDecompress();
    throw encodingError(new Error(`unsupported content-encoding "${coding}"`));
  });
}

function isZlibError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

/**
 * Fetches a small document (page, JSON) into memory. Both the bytes on the wire and the decoded bytes are capped at
 * policy.maxBytes, and decoding is streamed and stopped at the cap, so a compression bomb costs at most maxBytes.
 */
export async function fetchBuffer(url: string | URL, opts: FetchBufferOptions): Promise<FetchedBuffer> {
  const { policy, signal } = opts;
  const res = await guardedRequest(url, {
    policy,
    signal,
    headers: { 'accept-encoding': 'gzip, deflate, br' },
    testHooks: opts.testHooks,
  });
  const info = admit(res, policy, opts.accept);
  const stages: Transform[] = [];
  try {
    stages.push(byteLimit(policy.maxBytes), ...decodersFor(res.headers['content-encoding']));
    const streams: Array<Readable | Transform> = [res.body, ...stages];
    // Errors travel down the chain; the collector below sees the first one.
    pipeline(streams, () => undefined);
    const last = stages[stages.length - 1] as Transform;
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of last as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > policy.maxBytes) throw tooLargeError(policy.maxBytes);
      chunks.push(chunk);
    }
    return { url: res.url, status: res.status, headers: res.headers, body: Buffer.concat(chunks, total), contentType: info.contentType };
  } catch (e) {
    res.body.destroy();
    for (const s of stages) s.destroy();
    if (e instanceof VettedError) throw settleError(e, signal);
    if (isZlibError(e)) throw encodingError(e);
    throw settleError(signal?.aborted ? e : mapNetworkError(e), signal);
  }
}
