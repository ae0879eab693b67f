/**
 * The ffmpeg adapter: the only module in the service that runs ffmpeg or ffprobe, and the only one that imports
 * fluent-ffmpeg (archived upstream). Everything else talks to the `MediaAdapter` interface, so this file can be
 * swapped for plain `spawn` without touching callers.
 *
 * Every run reads one local, regular file, passed as `file:/absolute/path` so a name can never be taken for another
 * protocol, with `-protocol_whitelist file` and a demuxer whitelist: a playlist (m3u8) disguised as `.mp4` would
 * otherwise be auto-detected as HLS and make ffmpeg open whatever files or URLs it lists.
 */
import { execFile } from 'node:child_process';
import { open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { VettedError } from '../domain/errors.js';
import { thumbnailTime, uprightSize, type ProbeResult } from '../domain/media-rules.js';

/** Demuxers for real video containers. Not hls, concat, image2, lavfi, or anything else that opens other files. */
const VIDEO_DEMUXERS = [
  'mov', 'mp4', 'm4a', '3gp', '3g2', 'mj2',
  'matroska', 'webm',
  'avi', 'mpegts', 'flv', 'ogg', 'mpeg',
  // Audio-only containers are allowed so that a teacher gets "audio only" rather than "unreadable".
  'mp3', 'wav',
].join(',');

/** Decoded-size ceiling for images: a 50 MP picture is already far beyond any web page image. */
const MAX_IMAGE_PIXELS = 50_000_000;
const POSTER_MAX_WIDTH = 1280;
const THUMBNAIL_WIDTH = 320;
/** Frames the `thumbnail` filter compares; it holds them all in memory, so frames are scaled down first. */
const THUMBNAIL_CANDIDATES = 50;
/** Keyframes compared when only keyframes are decoded (a few seconds apart each). */
const KEYFRAME_CANDIDATES = 6;
/** Probing, thumbnails and image conversion are short jobs; they never get the hours a long transcode may need. */
const SHORT_JOB_TIMEOUT_MS = 120_000;
const STDERR_TAIL_LINES = 15;

const UNREADABLE = 'The file is not a video Vetted can read (it may be damaged or in an unusual format).';
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
function abortError(signal: AbortSignal): Error {
  const err = new Error('The media operation was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  (err as Error & { code: string }).code = 'ABORT_ERR';
  return err;
}

function unreadable(stderrTail = ''): MediaToolError {
  return new MediaToolError('media_unreadable', UNREADABLE, stderrTail);
}

function tailOf(stderr: string | undefined): string {
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
async function regularFile(file: string): Promise<string> {
  const abs = path.resolve(file);
  const st = await stat(abs);
  if (!st.isFile() || st.size === 0) throw unreadable(`not a non-empty regular file: ${abs}`);
  return abs;
}

function seconds(n: number): string {
  return n.toFixed(3);
}

function parseTimemark(line: string): number | undefined {
  const m = /time=\s*(-?\d+):(\d+):(\d+(?:\.\d+)?)/.exec(line);
  if (!m) return undefined;
  const [, h, min, s] = m;
  return Number(h) * 3600 + Number(min) * 60 + Number(s);
}

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1).replace(/\.0$/, '')} GB`;
  return `${Math.round(n / 1024 ** 2)} MB`;
}

// ---------------------------------------------------------------------------------------------------------------
// ffprobe output

interface RawStream {
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  pix_fmt?: string;
  width?: number;
  height?: number;
  channels?: number;
  sample_rate?: string;
  bits_per_raw_sample?: string;
  duration?: string;
  disposition?: Record<string, number>;
  tags?: Record<string, string>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

interface RawProbe {
  streams?: RawStream[];
  format?: { format_name?: string; duration?: string; size?: string; nb_streams?: number };
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** Clockwise quarter turns to show the picture upright, as ffmpeg's own autorotation reads the display matrix. */
function rotationOf(s: RawStream): number {
  const matrix = s.side_data_list?.find((d) => d.side_data_type === 'Display Matrix');
  // The display matrix angle is counter-clockwise; the old `rotate` tag is clockwise.
  const clockwise = matrix?.rotation !== undefined ? -matrix.rotation : (num(s.tags?.rotate) ?? 0);
  return (((Math.round(clockwise / 90) * 90) % 360) + 360) % 360;
}

/** Matroska keeps per-track lengths as a "HH:MM:SS.nnnnnnnnn" tag when the container has none. */
function tagDuration(s: RawStream): number | undefined {
  const tag = s.tags?.DURATION ?? s.tags?.duration;
  const m = tag ? /^(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(tag) : null;
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

function toProbeResult(raw: RawProbe): ProbeResult {
  const streams = raw.streams ?? [];
  const format = raw.format;
  if (!format?.format_name || streams.length === 0) throw unreadable('ffprobe found no streams');
  // Cover art in audio files is a "video" stream too; it is not a picture the class can watch.
  const v = streams.find(
    (s) => s.codec_type === 'video' && !s.disposition?.attached_pic && !s.disposition?.timed_thumbnails,
  );
  const a = streams.find((s) => s.codec_type === 'audio');
  const streamDurations = streams.map((s) => num(s.duration) ?? tagDuration(s) ?? 0);
  const duration = num(format.duration) ?? Math.max(0, ...streamDurations);
  const bits = num(v?.bits_per_raw_sample);
  return {
    formatName: format.format_name,
    durationSeconds: duration,
    sizeBytes: num(format.size) ?? 0,
    streamCount: num(format.nb_streams) ?? streams.length,
    video: v
      ? {
          codec: v.codec_name ?? 'unknown',
          ...(v.profile ? { profile: v.profile } : {}),
          pixFmt: v.pix_fmt ?? 'unknown',
          width: num(v.width) ?? 0,
          height: num(v.height) ?? 0,
          rotation: rotationOf(v),
          ...(bits !== undefined ? { bitsPerRawSample: bits } : {}),
        }
      : null,
    audio: a
      ? { codec: a.codec_name ?? 'unknown', channels: num(a.channels) ?? 0, sampleRate: num(a.sample_rate) ?? 0 }
      : null,
  };
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

// ---------------------------------------------------------------------------------------------------------------
// Running ffmpeg

interface RunSpec {
  input: string;
  inputOptions: string[];
  complexFilter?: string;
  outputs: Array<{ target: string; options: string[] }>;
  timeoutMs: number;
  signal?: AbortSignal;
  progressTotalSeconds?: number;
  onProgress?: (percent: number) => void;
  /** Deleted, once ffmpeg is dead, if the run does not succeed. */
  partialFiles: string[];
  /** Further local inputs (mergeAV), each with its own input options, after the first. */
  extraInputs?: Array<{ file: string; options: string[] }>;
}

type RunFailure = { kind: 'timeout' } | { kind: 'abort'; error: Error } | { kind: 'failed'; stderrTail: string };

class RunError extends Error {
  constructor(readonly failure: RunFailure) {
    super(failure.kind);
  }
}

/** Flags that apply to every ffmpeg run: no keyboard, quiet except errors and progress, local files only. */
const GLOBAL_FLAGS = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-stats'];

export function createMediaAdapter(opts: MediaAdapterOptions): MediaAdapter {
  const niceness = opts.niceness ?? 10;
  const probeTimeoutMs = opts.probeTimeoutMs ?? Math.min(opts.timeoutMs, SHORT_JOB_TIMEOUT_MS);
  const shortTimeoutMs = Math.min(opts.timeoutMs, SHORT_JOB_TIMEOUT_MS);
  // fluent-ffmpeg keeps this path in a module-wide cache; it is also set on every command below.
  ffmpeg.setFfmpegPath(opts.ffmpegPath);

  /**
   * One ffmpeg run through fluent-ffmpeg. Deliberately never listens to fluent-ffmpeg's 'progress' event: doing so
   * makes it run its own ffprobe on the input, without our protocol and demuxer whitelists. Progress is read from
   * the stderr stats lines instead. fluent-ffmpeg's own `timeout` option sends SIGTERM; we want SIGKILL.
   */
  function run(spec: RunSpec): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const signal = spec.signal;
      if (signal?.aborted) {
        reject(new RunError({ kind: 'abort', error: abortError(signal) }));
        return;
      }
      const cmd = ffmpeg({ niceness, stdoutLines: 60 });
      cmd.setFfmpegPath(opts.ffmpegPath);
      cmd.input(`file:${spec.input}`);
      // Passing several arguments stops fluent-ffmpeg from splitting any of them at spaces.
      // -timelimit (CPU seconds) is ffmpeg's own backstop: it still holds if this worker is killed
      // with SIGKILL and our timer dies with it, leaving ffmpeg orphaned.
      const cpuLimit = String(Math.max(1, Math.ceil(spec.timeoutMs / 1000)));
      cmd.inputOptions(...GLOBAL_FLAGS, '-timelimit', cpuLimit, ...spec.inputOptions);
      for (const extra of spec.extraInputs ?? []) {
        // fluent-ffmpeg applies inputOptions to the input added last.
        cmd.input(`file:${extra.file}`);
        cmd.inputOptions(...extra.options);
      }
      if (spec.complexFilter) cmd.complexFilter(spec.complexFilter);
      for (const out of spec.outputs) {
        cmd.output(out.target);
        cmd.outputOptions(...out.options);
      }

      let stopReason: 'timeout' | 'abort' | null = null;
      let started = false;
      const stop = (why: 'timeout' | 'abort') => {
        if (stopReason) return;
        stopReason = why;
        // Before 'start' there is no process to signal yet; the 'start' handler kills it as soon as it exists.
        if (started) cmd.kill('SIGKILL');
      };
      const timer = setTimeout(() => stop('timeout'), spec.timeoutMs);
      const onAbort = () => stop('abort');
      signal?.addEventListener('abort', onAbort, { once: true });

      cmd.on('start', () => {
        started = true;
        if (stopReason) cmd.kill('SIGKILL');
      });

      const { onProgress, progressTotalSeconds } = spec;
      if (onProgress && progressTotalSeconds && progressTotalSeconds > 0) {
        let last = -1;
        cmd.on('stderr', (line: string) => {
          const t = parseTimemark(line);
          if (t === undefined) return;
          const percent = Math.max(0, Math.min(100, Math.floor((t / progressTotalSeconds) * 100)));
          if (percent > last) {
            last = percent;
            onProgress(percent);
          }
        });
      }

      let settled = false;
      const finish = (err: unknown, stderr?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (!err) {
          resolve();
          return;
        }
        const failure: RunFailure =
          stopReason === 'timeout'
            ? { kind: 'timeout' }
            : stopReason === 'abort' && signal
              ? { kind: 'abort', error: abortError(signal) }
              : { kind: 'failed', stderrTail: tailOf(stderr) || (err instanceof Error ? err.message : String(err)) };
        // fluent-ffmpeg reports the error only after the process has exited, so nothing writes these files any more.
        void Promise.all(spec.partialFiles.map((f) => rm(f, { force: true }))).finally(() =>
          reject(new RunError(failure)),
        );
      };
      cmd.on('error', (err: Error, _stdout: string | null, stderr: string | null) => finish(err, stderr ?? undefined));
      cmd.on('end', () => finish(null));
      cmd.run();
    });
  }

  /** Turns a run failure into the error callers see; `failedAs` names what a plain ffmpeg error means here. */
  function toCallerError(e: unknown, failedAs: (tail: string) => MediaToolError): unknown {
    if (!(e instanceof RunError)) return e;
    const f = e.failure;
    if (f.kind === 'abort') return f.error;
    if (f.kind === 'timeout') {
      return new MediaToolError(
        'media_timeout',
        'Processing took too long, so Vetted stopped it. Try a shorter video, or set a clip.',
        '',
      );
    }
    return failedAs(f.stderrTail);
  }

  const encodeFailed = (tail: string) =>
    new MediaToolError(
      'media_encode_failed',
      'Vetted could not convert this video for the classroom (it may be damaged or in an unusual format).',
      tail,
    );

  async function probe(file: string, popts: { signal?: AbortSignal } = {}): Promise<ProbeResult> {
    const abs = await regularFile(file);
    const args = [
      '-v', 'error',
      '-hide_banner',
      '-protocol_whitelist', 'file',
      '-format_whitelist', VIDEO_DEMUXERS,
      '-show_format',
      '-show_streams',
      '-of', 'json',
      `file:${abs}`,
    ];
    // fluent-ffmpeg's ffprobe has neither a timeout nor a handle on its process, and its text parser flattens
    // side data; so ffprobe is spawned directly here, still only from this module.
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        opts.ffprobePath,
        args,
        {
          timeout: probeTimeoutMs,
          killSignal: 'SIGKILL',
          maxBuffer: 16 * 1024 * 1024,
          windowsHide: true,
          ...(popts.signal ? { signal: popts.signal } : {}),
        },
        (err, out, errOut) => {
          if (!err) {
            resolve(out);
            return;
          }
          if (popts.signal?.aborted) reject(abortError(popts.signal));
          else if ((err as { killed?: boolean }).killed) {
            reject(
              new MediaToolError('media_timeout', 'Reading this file took too long, so Vetted stopped it.', tailOf(errOut)),
            );
          } else reject(unreadable(tailOf(errOut) || err.message));
        },
      );
    });
    let raw: RawProbe;
    try {
      raw = JSON.parse(stdout) as RawProbe;
    } catch {
      throw unreadable('ffprobe printed something that is not JSON');
    }
    return toProbeResult(raw);
  }

  async function encode(input: string, output: string, eo: EncodeOptions): Promise<void> {
    const src = await regularFile(input);
    const target = path.resolve(output);
    const clip = eo.clip;
    const start = clip?.start ?? 0;
    if (eo.plan === 'copy' && start > 0) {
      // A programming error, not a media problem: planEncode never chooses copy for a clip with a start.
      throw new Error('encode: a stream copy cannot honour a clip start; plan with planEncode');
    }
    const video = eo.probe.video;
    if (!video) throw unreadable('encode called for a file without video');
    const hasAudio = eo.probe.audio !== null;

    // A leftover from an earlier attempt must not pass the size checks below as this run's output.
    await rm(target, { force: true });
    const inputOptions = ['-protocol_whitelist', 'file', '-format_whitelist', VIDEO_DEMUXERS];
    // Seeking on the input jumps near the start instead of decoding everything before it.
    if (start > 0) inputOptions.push('-ss', seconds(start));

    // `V` (capital) skips cover art, matching the stream the probe described.
    const out: string[] = ['-map', '0:V:0'];
    if (hasAudio) out.push('-map', '0:a:0');
    if (clip) out.push('-t', seconds(clip.duration));
    out.push(
      // Titles, GPS location, chapters, subtitles and data tracks stay behind: children's videos carry no
      // information about where or by whom they were filmed.
      '-map_metadata', '-1',
      '-map_metadata:s', '-1',
      '-map_chapters', '-1',
      '-sn', '-dn',
    );
    if (eo.plan === 'copy') {
      // The display matrix (phone rotation) is stream side data, not metadata, so it survives the copy.
      out.push('-c', 'copy');
    } else {
      // ffmpeg autorotates decoded frames, so the box is fitted to the upright picture and portrait stays portrait.
      const upright = uprightSize(video);
      const [boxW, boxH] = upright.width >= upright.height ? [1920, 1080] : [1080, 1920];
      out.push(
        '-c:v', 'libx264',
        '-preset', 'veryfast',
        '-crf', '23',
        '-profile:v', 'high',
        '-pix_fmt', 'yuv420p',
        '-vf',
        `scale=w='min(${boxW},iw)':h='min(${boxH},ih)':force_original_aspect_ratio=decrease:force_divisible_by=2`,
      );
      if (hasAudio) out.push('-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-ar', '48000');
    }
    if (!hasAudio) out.push('-an');
    out.push(
      '-max_muxing_queue_size', '1024',
      '-movflags', '+faststart',
      '-fs', String(Math.floor(eo.maxOutputBytes)),
      '-f', 'mp4',
    );

    try {
      await run({
        input: src,
        inputOptions,
        outputs: [{ target, options: out }],
        timeoutMs: opts.timeoutMs,
        ...(eo.signal ? { signal: eo.signal } : {}),
        progressTotalSeconds: clip?.duration ?? eo.probe.durationSeconds,
        ...(eo.onProgress ? { onProgress: eo.onProgress } : {}),
        partialFiles: [target],
      });
    } catch (e) {
      throw toCallerError(e, encodeFailed);
    }

    // `-fs` makes ffmpeg stop quietly (exit 0) once the file reaches the cap; the size tells us it happened.
    const size = await stat(target).then(
      (s) => s.size,
      () => 0,
    );
    if (size === 0) {
      await rm(target, { force: true });
      throw encodeFailed('ffmpeg succeeded but wrote no output');
    }
    if (size >= eo.maxOutputBytes) {
      await rm(target, { force: true });
      throw new MediaToolError(
        'media_too_large',
        `The converted video would be larger than Vetted's limit of ${formatBytes(eo.maxOutputBytes)}. Choose a shorter video, or set a clip.`,
        `output reached -fs ${eo.maxOutputBytes}`,
      );
    }
    eo.onProgress?.(100);
  }

  /**
   * `keyframesOnly` decodes only keyframes after the seek: several times faster on long videos, and
   * keyframes are the encoder's best pictures. A video with no keyframe after the seek point gets
   * the full decode from the start instead (see `thumbnails`).
   */
  async function thumbnailsAt(
    src: string,
    poster: string,
    thumbnail: string,
    at: number,
    signal: AbortSignal | undefined,
    keyframesOnly: boolean,
  ) {
    const jpeg = (label: string) => [
      '-map', `[${label}]`,
      '-frames:v', '1',
      // -update 1 makes the image2 muxer write this exact name, never read it as a %d sequence pattern.
      '-update', '1',
      '-q:v', '3',
      '-map_metadata', '-1',
      '-f', 'image2',
    ];
    await run({
      input: src,
      inputOptions: [
        '-protocol_whitelist', 'file',
        '-format_whitelist', VIDEO_DEMUXERS,
        ...(keyframesOnly ? ['-skip_frame', 'nokey'] : []),
        ...(at > 0 ? ['-ss', seconds(at)] : []),
      ],
      complexFilter:
        `[0:V:0]scale=w='min(${POSTER_MAX_WIDTH},iw)':h=-2,` +
        `thumbnail=${keyframesOnly ? KEYFRAME_CANDIDATES : THUMBNAIL_CANDIDATES},split=2[poster][small];` +
        `[small]scale=w=${THUMBNAIL_WIDTH}:h=-2[thumb]`,
      outputs: [
        { target: poster, options: jpeg('poster') },
        { target: thumbnail, options: jpeg('thumb') },
      ],
      timeoutMs: shortTimeoutMs,
      ...(signal ? { signal } : {}),
      partialFiles: [poster, thumbnail],
    });
  }

  async function thumbnails(
    video: string,
    outDir: string,
    to: { durationSeconds: number; signal?: AbortSignal },
  ): Promise<{ poster: string; thumbnail: string }> {
    const src = await regularFile(video);
    const poster = path.resolve(outDir, 'poster.jpg');
    const thumbnail = path.resolve(outDir, 'thumbnail.jpg');
    const exists = (f: string) => stat(f).then((s) => s.size > 0, () => false);
    // Stale images from an earlier attempt would hide a run that wrote nothing.
    await Promise.all([rm(poster, { force: true }), rm(thumbnail, { force: true })]);
    try {
      const at = thumbnailTime(to.durationSeconds);
      await thumbnailsAt(src, poster, thumbnail, at, to.signal, true);
      // No keyframe after the seek (a short clip), or a container that overstates its length: ffmpeg
      // exits 0 with no frame. Then decode every frame from the start.
      if (!((await exists(poster)) && (await exists(thumbnail)))) {
        await thumbnailsAt(src, poster, thumbnail, 0, to.signal, false);
      }
    } catch (e) {
      throw toCallerError(e, encodeFailed);
    }
    if (!((await exists(poster)) && (await exists(thumbnail)))) {
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
      await run({
        input: src,
        inputOptions: [
          '-protocol_whitelist', 'file',
          '-format_whitelist', demuxer,
          '-f', demuxer,
          // Refuses decompression bombs (a tiny file declaring a gigantic canvas) before allocating the frame.
          '-max_pixels', String(MAX_IMAGE_PIXELS),
        ],
        outputs: [
          {
            target,
            options: [
              '-map', '0:v:0',
              // JPEG has no transparency: flatten onto white rather than letting transparent areas turn black.
              '-vf',
              `scale=w='min(${maxWidth},iw)':h=-1,format=rgba,split=2[fg][b];` +
                '[b]drawbox=c=white:t=fill,format=rgb24[bg];[bg][fg]overlay=format=rgb,format=yuvj420p',
              '-frames:v', '1',
              '-update', '1',
              '-q:v', '3',
              '-map_metadata', '-1',
              '-f', 'image2',
            ],
          },
        ],
        timeoutMs: shortTimeoutMs,
        ...(io.signal ? { signal: io.signal } : {}),
        partialFiles: [target],
      });
    } catch (e) {
      throw toCallerError(e, imageUnreadable);
    }
    const size = await stat(target).then((s) => s.size, () => 0);
    if (size === 0) {
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
    const inputChecks = ['-protocol_whitelist', 'file', '-format_whitelist', VIDEO_DEMUXERS];
    try {
      await run({
        input: video,
        inputOptions: inputChecks,
        extraInputs: [{ file: audio, options: inputChecks }],
        outputs: [
          {
            target,
            options: [
              '-map', '0:V:0',
              '-map', '1:a:0',
              '-c', 'copy',
              '-map_metadata', '-1',
              '-map_chapters', '-1',
              '-sn', '-dn',
              ...(format === 'mp4' ? ['-movflags', '+faststart'] : []),
              '-f', format,
            ],
          },
        ],
        timeoutMs: opts.timeoutMs,
        ...(mo.signal ? { signal: mo.signal } : {}),
        partialFiles: [target],
      });
    } catch (e) {
      throw toCallerError(e, unreadable);
    }
    const size = await stat(target).then((s) => s.size, () => 0);
    if (size === 0) {
      await rm(target, { force: true });
      throw unreadable('ffmpeg merged nothing');
    }
  }

  return { probe, encode, thumbnails, imageToJpeg, mergeAV };
}
