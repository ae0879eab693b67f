/**
 * Downloading the chosen streams and the captions ourselves (never through ytdl-core's downloader, which would
 * connect directly): every byte through the guarded fetcher, long streams in ranged slices.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { downloadToFile } from '../../../net/fetcher.js';
import { abortReason, tooLargeError, truncatedError } from '../../../net/errors.js';
import { sizeOf, type StreamFormat } from '../formats.js';
import { blockedError, CAPTIONS_FILE, looksLikeWebVtt, type CaptionTrack } from '../video-site.js';
import { outgoing, youtubePolicy, type CallContext } from './fetch-hook.js';

const CAPTIONS_MAX_BYTES = 5 * 1024 * 1024;
const HTML_TYPES = /^(text\/html|application\/xhtml\+xml)/i;

async function appendFile(from: string, to: string): Promise<void> {
  await pipeline(createReadStream(from), createWriteStream(to, { flags: 'a' }));
}

/**
 * Downloads one stream to `dest`. Long streams come in `range=` slices (YouTube's own player asks for media this way;
 * a single request for a whole adaptive file is throttled to playback speed), each through `downloadToFile`.
 */
export async function downloadStream(
  format: StreamFormat,
  dest: string,
  call: CallContext,
  chunkBytes: number,
  onBytes: (received: number) => void,
): Promise<void> {
  const policy = youtubePolicy(call.policy);
  const total = sizeOf(format);
  const base = {
    policy,
    signal: call.signal,
    testHooks: call.hooks.net,
    accept: ({ contentType }: { contentType: string | undefined }) => {
      // googlevideo answers a refused request with a page, not a video.
      if (contentType && HTML_TYPES.test(contentType)) throw blockedError(new Error(`media answered with ${contentType}`));
    },
  };
  if (total !== undefined && total > policy.maxBytes) throw tooLargeError(policy.maxBytes);
  if (total === undefined || total <= chunkBytes) {
    await downloadToFile(outgoing(format.url, call.hooks), dest, { ...base, onProgress: (received) => onBytes(received) });
    return;
  }
  const partial = `${dest}.part`;
  const slice = `${dest}.slice`;
  try {
    await rm(partial, { force: true });
    for (let start = 0; start < total; start += chunkBytes) {
      const end = Math.min(start + chunkBytes, total) - 1;
      const url = new URL(format.url);
      url.searchParams.set('range', `${start}-${end}`);
      const got = await downloadToFile(outgoing(url, call.hooks), slice, {
        ...base,
        onProgress: (received) => onBytes(start + received),
      });
      // A server that ignores `range` sends the whole file; stitching that would corrupt the result.
      if (got.bytes !== end - start + 1) throw truncatedError(new Error(`range ${start}-${end} gave ${got.bytes} bytes`));
      await appendFile(slice, partial);
      await rm(slice, { force: true });
    }
    await rename(partial, dest);
  } catch (e) {
    await rm(partial, { force: true });
    await rm(slice, { force: true });
    throw e;
  }
}

async function fileHead(file: string, bytes: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Captions are a bonus: any failure (except the job being stopped) leaves the video without them. */
export async function saveCaptions(track: CaptionTrack, workDir: string, call: CallContext): Promise<string | undefined> {
  const dest = path.join(workDir, CAPTIONS_FILE);
  try {
    const url = new URL(track.url);
    url.searchParams.set('fmt', 'vtt');
    await downloadToFile(outgoing(url, call.hooks), dest, {
      policy: youtubePolicy(call.policy, CAPTIONS_MAX_BYTES),
      signal: call.signal,
      testHooks: call.hooks.net,
    });
    if (looksLikeWebVtt(await fileHead(dest, 64))) return CAPTIONS_FILE;
  } catch {
    if (call.signal.aborted) throw abortReason(call.signal);
  }
  await rm(dest, { force: true });
  return undefined;
}

export function extensionFor(f: StreamFormat): string {
  const c = (f.container ?? f.mimeType?.split(';')[0]?.split('/')[1] ?? 'bin').toLowerCase();
  return /^[a-z0-9]{1,5}$/.test(c) ? c : 'bin';
}

export function percentReporter(onProgress: (p: number) => void): (p: number) => void {
  let last = -1;
  return (p) => {
    const whole = Math.max(0, Math.min(100, Math.floor(p)));
    if (whole > last) {
      last = whole;
      onProgress(whole);
    }
  };
}
