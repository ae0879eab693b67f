/**
 * The media adapter: the only module family in the service that runs ffmpeg or ffprobe (the runner spawns,
 * `probe.ts` reads a file once, `commands.ts` builds the command lines, `prepare.ts` does a video's whole media
 * stage, `analysis.ts` reads the checks' frames). Everything else talks to the `MediaAdapter` interface.
 *
 * Every run reads one local, regular file, passed as `file:/absolute/path` so a name can never be taken for another
 * protocol, with `-protocol_whitelist file` and a demuxer whitelist: a playlist (m3u8) disguised as `.mp4` would
 * otherwise be auto-detected as HLS and make ffmpeg open whatever files or URLs it lists.
 */
import { open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { thumbnailTime, type ProbeResult } from '../domain/media-rules.js';
import type { PreparationPlan } from '../domain/media-plan.js';
import {
  abortError,
  encodeFailed,
  formatBytes,
  MediaToolError,
  nonEmpty,
  regularFile,
  seconds,
  SHORT_JOB_TIMEOUT_MS,
  unreadable,
  VIDEO_INPUT,
} from './basics.js';
import { jpegFile, plainEncodeArgs, POSTER_MAX_WIDTH, THUMBNAIL_CANDIDATES, THUMBNAIL_WIDTH } from './commands.js';
import { prepareVideo, type PreparedVideo } from './prepare.js';
import { probeFile } from './probe.js';
import { createRunner, toCallerError } from './runner.js';

export { MediaToolError } from './basics.js';
export type { PreparedVideo, LoudnessCheck } from './prepare.js';

/** Decoded-size ceiling for images: a 50 MP picture is already far beyond any web page image. */
const MAX_IMAGE_PIXELS = 50_000_000;
/** Keyframes compared when only keyframes are decoded (a few seconds apart each). */
const KEYFRAME_CANDIDATES = 6;

const IMAGE_UNREADABLE = 'The file is not a picture Vetted can read (PNG, JPEG, GIF or WebP).';

export interface EncodeOptions {
  plan: 'copy' | 'transcode';
  probe: ProbeResult;
  /** From `clipWindow`; null for the whole video. A copy may only be given a window that starts at 0. */
  clip: { start: number; duration: number } | null;
  /** Output size cap; ffmpeg stops at it and the run fails with `media_too_large`. */
  maxOutputBytes: number;
  /** 0–100, called when the whole percent changes. */
  onProgress?: (percent: number) => void;
  signal?: AbortSignal;
}

export interface MediaAdapter {
  /** Reads a local file's container and streams. Throws VettedError `media_unreadable` for anything ffprobe cannot read. */
  probe(file: string, opts?: { signal?: AbortSignal }): Promise<ProbeResult>;
  /** Writes a browser-ready MP4 (H.264/AAC, faststart, no metadata) to exactly `output`; deletes it on failure. */
  encode(input: string, output: string, opts: EncodeOptions): Promise<void>;
  /**
   * The media stage for a video, with its checks: `video.mp4`, `poster.jpg`, `thumbnail.jpg`, the storyboard and
   * any embedded text captions in `workDir`, plus the flashing and loudness checks.
   */
  prepareVideo(
    input: string,
    workDir: string,
    opts: { probe: ProbeResult; plan: PreparationPlan; maxOutputBytes: number; onProgress?: (p: number) => void; signal?: AbortSignal },
  ): Promise<PreparedVideo>;
  /** Writes `poster.jpg` (≤ 1280 px wide) and `thumbnail.jpg` (320 px wide) into `outDir`; returns their absolute paths. */
  thumbnails(
    video: string,
    outDir: string,
    opts: { durationSeconds: number; signal?: AbortSignal },
  ): Promise<{ poster: string; thumbnail: string }>;
  /** Re-encodes a PNG, JPEG, GIF (first frame) or WebP image to a metadata-free JPEG at most `maxWidth` wide. */
  imageToJpeg(input: string, output: string, opts: { maxWidth: number; signal?: AbortSignal }): Promise<void>;
  /**
   * Stream-copies the first picture of `video` and the first sound of `audio` into one file at exactly `output`
   * (YouTube serves them separately above 360p). Same input checks as `encode`; no re-encoding, no metadata.
   * Optional so that small fakes of this interface need not implement it.
   */
  mergeAV?(video: string, audio: string, output: string, opts?: MergeOptions): Promise<void>;
}

export interface MergeOptions {
  /** Container to write; MP4 only when both inputs are MP4-friendly (H.264/AAC), else Matroska. Default matroska. */
  format?: 'mp4' | 'matroska';
  signal?: AbortSignal;
}

export interface MediaAdapterOptions {
  ffmpegPath: string;
  ffprobePath: string;
  /** Wall-clock limit for one encode. */
  timeoutMs: number;
  /** Limit for probe; defaults to the smaller of timeoutMs and two minutes. */
  probeTimeoutMs?: number;
  /** Added to ffmpeg's nice value so encodes yield the CPU to the web server; default 10. */
  niceness?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Images

const IMAGE_DEMUXERS: Array<{ demuxer: string; matches: (b: Buffer) => boolean }> = [
  { demuxer: 'png_pipe', matches: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { demuxer: 'jpeg_pipe', matches: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { demuxer: 'gif', matches: (b) => /^GIF8[79]a$/.test(b.toString('latin1', 0, 6)) },
  { demuxer: 'webp_pipe', matches: (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP' },
];

/**
 * Picks the demuxer from the file's first bytes and forces it with `-f`, so ffmpeg's own guessing (which would
 * treat a name containing %d as an image sequence) never runs.
 */
async function sniffImage(file: string): Promise<string | undefined> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    const { bytesRead } = await fh.read(buf, 0, 16, 0);
    const head = buf.subarray(0, bytesRead);
    return IMAGE_DEMUXERS.find((d) => head.length >= 12 && d.matches(head))?.demuxer;
  } finally {
    await fh.close();
  }
}

const jpegOutput = (label: string, target: string) => ['-map', `[${label}]`, ...jpegFile(target)];

export function createMediaAdapter(opts: MediaAdapterOptions): MediaAdapter {
  const runner = createRunner(opts.ffmpegPath, opts.niceness ?? 10);
  const probeTimeoutMs = opts.probeTimeoutMs ?? Math.min(opts.timeoutMs, SHORT_JOB_TIMEOUT_MS);
  const shortTimeoutMs = Math.min(opts.timeoutMs, SHORT_JOB_TIMEOUT_MS);
  const withSignal = (signal: AbortSignal | undefined) => (signal ? { signal } : {});

  /** `-fs` makes ffmpeg stop quietly (exit 0) once the file reaches the cap; the size tells us it happened. */
  async function checkOutput(target: string, maxOutputBytes: number): Promise<void> {
    const size = await stat(target).then((s) => s.size, () => 0);
    if (size === 0) {
      await rm(target, { force: true });
      throw encodeFailed('ffmpeg succeeded but wrote no output');
    }
    if (size >= maxOutputBytes) {
      await rm(target, { force: true });
      throw new MediaToolError(
        'media_too_large',
        `The converted video would be larger than Vetted's limit of ${formatBytes(maxOutputBytes)}. Choose a shorter video, or set a clip.`,
        `output reached -fs ${maxOutputBytes}`,
      );
    }
  }

  async function encode(input: string, output: string, eo: EncodeOptions): Promise<void> {
    const src = await regularFile(input);
    const target = path.resolve(output);
    if (eo.plan === 'copy' && (eo.clip?.start ?? 0) > 0) {
      // A programming error, not a media problem: planEncode never chooses copy for a clip with a start.
      throw new Error('encode: a stream copy cannot honour a clip start; plan with planEncode');
    }
    if (!eo.probe.video) throw unreadable('encode called for a file without video');
    // A leftover from an earlier attempt must not pass the size checks below as this run's output.
    await rm(target, { force: true });
    try {
      await runner.run({
        args: plainEncodeArgs(src, target, eo.probe, eo.plan, eo.clip, eo.maxOutputBytes),
        timeoutMs: opts.timeoutMs,
        ...withSignal(eo.signal),
        progressTotalSeconds: eo.clip?.duration ?? eo.probe.durationSeconds,
        ...(eo.onProgress ? { onProgress: eo.onProgress } : {}),
        partialFiles: [target],
      });
    } catch (e) {
      throw toCallerError(e, encodeFailed);
    }
    await checkOutput(target, eo.maxOutputBytes);
    eo.onProgress?.(100);
  }

  /**
   * `keyframesOnly` decodes only keyframes after the seek: several times faster on long videos, and
   * keyframes are the encoder's best pictures. A video with no keyframe after the seek point gets
   * the full decode from the start instead (see `thumbnails`).
   */
  async function thumbnailsAt(src: string, poster: string, thumbnail: string, at: number, signal: AbortSignal | undefined, keyframesOnly: boolean) {
    await runner.run({
      args: [
        '-loglevel', 'error',
        ...VIDEO_INPUT,
        ...(keyframesOnly ? ['-skip_frame', 'nokey'] : []),
        ...(at > 0 ? ['-ss', seconds(at)] : []),
        '-i', `file:${src}`,
        '-filter_complex',
        `[0:V:0]scale=w='min(${POSTER_MAX_WIDTH},iw)':h=-2,` +
          `thumbnail=${keyframesOnly ? KEYFRAME_CANDIDATES : THUMBNAIL_CANDIDATES},split=2[poster][small];` +
          `[small]scale=w=${THUMBNAIL_WIDTH}:h=-2[thumb]`,
        ...jpegOutput('poster', poster),
        ...jpegOutput('thumb', thumbnail),
      ],
      timeoutMs: shortTimeoutMs,
      ...withSignal(signal),
      partialFiles: [poster, thumbnail],
    });
  }

  async function thumbnails(video: string, outDir: string, to: { durationSeconds: number; signal?: AbortSignal }) {
    const src = await regularFile(video);
    const poster = path.resolve(outDir, 'poster.jpg');
    const thumbnail = path.resolve(outDir, 'thumbnail.jpg');
    const both = async () => (await nonEmpty(poster)) && (await nonEmpty(thumbnail));
    // Stale images from an earlier attempt would hide a run that wrote nothing.
    await Promise.all([rm(poster, { force: true }), rm(thumbnail, { force: true })]);
    try {
      const at = thumbnailTime(to.durationSeconds);
      await thumbnailsAt(src, poster, thumbnail, at, to.signal, true);
      // No keyframe after the seek (a short clip), or a container that overstates its length: ffmpeg
      // exits 0 with no frame. Then decode every frame from the start.
      if (!(await both())) await thumbnailsAt(src, poster, thumbnail, 0, to.signal, false);
    } catch (e) {
      throw toCallerError(e, encodeFailed);
    }
    if (!(await both())) {
      await Promise.all([rm(poster, { force: true }), rm(thumbnail, { force: true })]);
      throw encodeFailed('no frame could be decoded for the thumbnail');
    }
    return { poster, thumbnail };
  }

  async function imageToJpeg(input: string, output: string, io: { maxWidth: number; signal?: AbortSignal }) {
    const src = await regularFile(input);
    const target = path.resolve(output);
    const demuxer = await sniffImage(src);
    const imageUnreadable = (tail: string) => new MediaToolError('media_unreadable', IMAGE_UNREADABLE, tail);
    if (!demuxer) throw imageUnreadable('not a PNG, JPEG, GIF or WebP file');
    const maxWidth = Math.max(1, Math.floor(io.maxWidth));
    await rm(target, { force: true });
    try {
      await runner.run({
        args: [
          '-loglevel', 'error',
          '-protocol_whitelist', 'file',
          '-format_whitelist', demuxer,
          '-f', demuxer,
          // Refuses decompression bombs (a tiny file declaring a gigantic canvas) before allocating the frame.
          '-max_pixels', String(MAX_IMAGE_PIXELS),
          '-i', `file:${src}`,
          '-map', '0:v:0',
          // JPEG has no transparency: flatten onto white rather than letting transparent areas turn black.
          '-vf',
          `scale=w='min(${maxWidth},iw)':h=-1,format=rgba,split=2[fg][b];` +
            '[b]drawbox=c=white:t=fill,format=rgb24[bg];[bg][fg]overlay=format=rgb,format=yuvj420p',
          ...jpegFile(target),
        ],
        timeoutMs: shortTimeoutMs,
        ...withSignal(io.signal),
        partialFiles: [target],
      });
    } catch (e) {
      throw toCallerError(e, imageUnreadable);
    }
    if (!(await nonEmpty(target))) {
      await rm(target, { force: true });
      throw imageUnreadable('ffmpeg wrote no image');
    }
  }

  async function mergeAV(videoFile: string, audioFile: string, output: string, mo: MergeOptions = {}): Promise<void> {
    const video = await regularFile(videoFile);
    const audio = await regularFile(audioFile);
    const target = path.resolve(output);
    const format = mo.format ?? 'matroska';
    await rm(target, { force: true });
    try {
      await runner.run({
        args: [
          '-loglevel', 'error',
          ...VIDEO_INPUT, '-i', `file:${video}`,
          ...VIDEO_INPUT, '-i', `file:${audio}`,
          '-map', '0:V:0',
          '-map', '1:a:0',
          '-c', 'copy',
          '-map_metadata', '-1',
          '-map_chapters', '-1',
          '-sn', '-dn',
          ...(format === 'mp4' ? ['-movflags', '+faststart'] : []),
          '-f', format,
          '-y', `file:${target}`,
        ],
        timeoutMs: opts.timeoutMs,
        ...withSignal(mo.signal),
        partialFiles: [target],
      });
    } catch (e) {
      throw toCallerError(e, unreadable);
    }
    if (!(await nonEmpty(target))) {
      await rm(target, { force: true });
      throw unreadable('ffmpeg merged nothing');
    }
  }

  return {
    probe: (file, po = {}) => probeFile(opts.ffprobePath, file, probeTimeoutMs, po.signal),
    encode,
    prepareVideo: (input, workDir, po) =>
      prepareVideo({ runner, timeoutMs: opts.timeoutMs, checkOutput, thumbnails }, input, workDir, po),
    thumbnails,
    imageToJpeg,
    mergeAV,
  };
}

export { abortError };
