import type { FastifyReply, FastifyRequest } from 'fastify';
import { VettedError } from '../domain/errors.js';
import type { MediaStore } from '../storage/store.js';
import { decideRange, fileEtag } from './byte-range.js';

export interface MediaRef {
  itemId: string;
  generation: number;
  file: string;
}

export interface MediaSendOptions {
  /** When set, the reverse proxy sends the bytes: answer `X-Accel-Redirect: <prefix><key>`. */
  accelPrefix?: string;
}

export const noMedia = () =>
  new VettedError('media_not_found', 'This file is not available (it may have been replaced, removed or not approved).', {
    httpStatus: 404,
  });

const TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  m4a: 'audio/mp4',
  webm: 'video/webm',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  svg: 'image/svg+xml',
  html: 'text/html; charset=utf-8',
  vtt: 'text/vtt; charset=utf-8',
  json: 'application/json',
};

export function mediaType(file: string): string {
  return TYPES[file.slice(file.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';
}

/** The reader copy of a web page and generated cards must not run or load anything if opened directly. */
export function mediaSecurityPolicy(file: string): string | undefined {
  if (file.endsWith('.svg')) return "default-src 'none'; style-src 'unsafe-inline'; sandbox";
  if (file.endsWith('.html')) {
    return "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";
  }
  return undefined;
}

const header = (request: FastifyRequest, name: string): string | undefined => {
  const v = request.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
};

/**
 * Sends one published media file after the caller has checked access. Files are addressed by
 * generation and never change, so they carry a year's private cache, a strong ETag and
 * Last-Modified, answer conditional requests with 304 and one Range with 206.
 */
export async function sendMedia(request: FastifyRequest, reply: FastifyReply, store: MediaStore, ref: MediaRef, opts: MediaSendOptions = {}) {
  const headers = () => {
    // Private: a shared cache must not hand a board's media to someone else.
    reply.header('cache-control', 'private, max-age=31536000, immutable');
    const csp = mediaSecurityPolicy(ref.file);
    if (csp) reply.header('content-security-policy', csp);
  };

  if (opts.accelPrefix) {
    headers();
    // nginx answers Range and conditional requests itself, from the file, with sendfile.
    return reply
      .header('x-accel-redirect', opts.accelPrefix + store.key(ref.itemId, ref.generation, ref.file))
      .header('content-type', mediaType(ref.file))
      .send();
  }

  const st = await store.stat(ref.itemId, ref.generation, ref.file);
  if (!st) throw noMedia();
  headers();
  const etag = fileEtag(st.size, st.modified);
  const lastModified = st.modified.toUTCString();
  reply.header('etag', etag).header('last-modified', lastModified).header('accept-ranges', 'bytes');
  const decision = decideRange(
    {
      method: request.method,
      range: header(request, 'range'),
      ifRange: header(request, 'if-range'),
      ifNoneMatch: header(request, 'if-none-match'),
      ifModifiedSince: header(request, 'if-modified-since'),
    },
    { size: st.size, etag, lastModified },
  );
  if (decision.status === 304) return reply.code(304).send();
  if (decision.status === 416) {
    reply.header('content-range', `bytes */${st.size}`);
    throw new VettedError('range_not_satisfiable', 'The requested part of the file is outside it; reload the page to fetch it again.', {
      httpStatus: 416,
    });
  }
  reply.header('content-type', mediaType(ref.file));
  const range = decision.status === 206 ? { start: decision.start, end: decision.end } : undefined;
  if (range) reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${st.size}`);
  reply.header('content-length', range ? range.end - range.start + 1 : st.size);
  // HEAD: the headers only; never read the file.
  if (request.method === 'HEAD') return reply.send();
  return reply.send(await store.open(ref.itemId, ref.generation, ref.file, range));
}
