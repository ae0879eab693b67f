import type { FastifyReply, FastifyRequest } from 'fastify';
import { VettedError } from '../domain/errors.js';
import { contentTypeOf } from '../storage/content-type.js';
import type { MediaKey, MediaStore } from '../storage/store.js';
import { decideRange } from './byte-range.js';

export interface MediaSendOptions {
  /** When set, the reverse proxy sends the bytes: answer `X-Accel-Redirect: <prefix><path>`. */
  accelPrefix?: string;
}

export const noMedia = () =>
  new VettedError('media_not_found', 'This file is not available (it may have been replaced, removed or not approved).', {
    httpStatus: 404,
  });

/** The reader copy of a web page and generated cards must not run or load anything if opened directly. */
export function mediaSecurityPolicy(file: string): string | undefined {
  // A generated card: inert, but a document if opened directly, so it may run and load nothing.
  if (file.endsWith('.svg')) return "default-src 'none'; style-src 'unsafe-inline'; sandbox";
  // The reader copy of a web page: no script, no outside resources, no framing by others.
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
 * generation and never change, so they carry a year's private cache (a shared cache must not hand a
 * board's media to someone else), a strong ETag and Last-Modified, answer conditional requests with
 * 304 and one Range with 206. The bytes come from the store (`stat`, then `open(key, range)`): a
 * Range request becomes a ranged read of the file or of the bucket's object, in 1 MiB reads.
 */
export async function sendMedia(request: FastifyRequest, reply: FastifyReply, store: MediaStore, key: MediaKey, opts: MediaSendOptions = {}) {
  const headers = () => {
    reply.header('cache-control', 'private, max-age=31536000, immutable');
    const csp = mediaSecurityPolicy(key.name);
    if (csp) reply.header('content-security-policy', csp);
    reply.type(contentTypeOf(key.name));
  };

  const accel = opts.accelPrefix ? store.accelPath(key) : undefined;
  if (opts.accelPrefix && accel) {
    // nginx answers Range and conditional requests itself, from the file, with sendfile.
    headers();
    return reply.header('x-accel-redirect', opts.accelPrefix + accel).send('');
  }

  const st = await store.stat(key);
  if (!st) throw noMedia();
  headers();
  const lastModified = st.modified.toUTCString();
  reply.header('etag', st.etag).header('last-modified', lastModified).header('accept-ranges', 'bytes');
  const decision = decideRange(
    {
      method: request.method,
      range: header(request, 'range'),
      ifRange: header(request, 'if-range'),
      ifNoneMatch: header(request, 'if-none-match'),
      ifModifiedSince: header(request, 'if-modified-since'),
    },
    { size: st.size, etag: st.etag, lastModified },
  );
  if (decision.status === 304) return reply.code(304).send();
  if (decision.status === 416) {
    reply.removeHeader('cache-control');
    reply.header('content-range', `bytes */${st.size}`);
    throw new VettedError('range_not_satisfiable', 'The requested part of the file is outside it; reload the page to fetch it again.', {
      httpStatus: 416,
    });
  }
  const range = decision.status === 206 ? { start: decision.start, end: decision.end } : undefined;
  if (range) reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${st.size}`);
  reply.header('content-length', range ? range.end - range.start + 1 : st.size);
  // HEAD (and an empty file): the headers only; never open the file.
  if (request.method === 'HEAD' || st.size === 0) return reply.send('');
  return reply.send(await store.open(key, range));
}
