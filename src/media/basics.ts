/**
 * What every part of the media adapter shares: the demuxer whitelist, the error a teacher sees for a media
 * failure, and the checks made on an input before ffmpeg is given it.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { VettedError } from '../domain/errors.js';

/** Demuxers for real video containers. Not hls, concat, image2, lavfi, or anything else that opens other files. */
export const VIDEO_DEMUXERS = [
  'mov', 'mp4', 'm4a', '3gp', '3g2', 'mj2',
  'matroska', 'webm',
  'avi', 'mpegts', 'flv', 'ogg', 'mpeg',
  // Audio-only containers are allowed so that a teacher gets "audio only" rather than "unreadable".
  'mp3', 'wav',
].join(',');

/** Input options of every run that reads a video: local files only, real containers only. */
export const VIDEO_INPUT = ['-protocol_whitelist', 'file', '-format_whitelist', VIDEO_DEMUXERS];

/** Probing, thumbnails and image conversion are short jobs; they never get the hours a long transcode may need. */
export const SHORT_JOB_TIMEOUT_MS = 120_000;
const STDERR_TAIL_LINES = 15;

export const UNREADABLE = 'The file is not a video Vetted can read (it may be damaged or in an unusual format).';

/**
 * A media failure with the tail of ffmpeg's stderr for the logs. `stderrTail` is for operators only: it can
 * contain file paths and must never reach a teacher; `message` is the sentence for them.
 */
export class MediaToolError extends VettedError {
  readonly stderrTail: string;

  constructor(code: string, message: string, stderrTail: string) {
    super(code, message, { transient: false, httpStatus: 422 });
    this.stderrTail = stderrTail;
  }
}

/** Same shape as Node's own abort errors, so callers can test `err.name === 'AbortError'` whatever aborted. */
export function abortError(signal: AbortSignal): Error {
  const err = new Error('The media operation was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  (err as Error & { code: string }).code = 'ABORT_ERR';
  return err;
}

export function unreadable(stderrTail = ''): MediaToolError {
  return new MediaToolError('media_unreadable', UNREADABLE, stderrTail);
}

export const encodeFailed = (tail: string) =>
  new MediaToolError(
    'media_encode_failed',
    'Vetted could not convert this video for the classroom (it may be damaged or in an unusual format).',
    tail,
  );

export function tailOf(stderr: string | undefined): string {
  if (!stderr) return '';
  const lines = stderr
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    // Progress lines crowd out the error that explains the failure.
    .filter((l) => l && !/^(frame|size)=/.test(l));
  return lines.slice(-STDERR_TAIL_LINES).join('\n').slice(-2000);
}

/**
 * Resolves to an absolute path, and refuses anything but a non-empty regular file: a FIFO or device would make
 * ffmpeg block or read without end. A missing file is our own bug, not the teacher's, so ENOENT propagates.
 */
export async function regularFile(file: string): Promise<string> {
  const abs = path.resolve(file);
  const st = await stat(abs);
  if (!st.isFile() || st.size === 0) throw unreadable(`not a non-empty regular file: ${abs}`);
  return abs;
}

export function seconds(n: number): string {
  return n.toFixed(3);
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1).replace(/\.0$/, '')} GB`;
  return `${Math.round(n / 1024 ** 2)} MB`;
}

export async function nonEmpty(file: string): Promise<boolean> {
  return stat(file).then((s) => s.isFile() && s.size > 0, () => false);
}
