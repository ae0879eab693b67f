/**
 * The yt-dlp backend: runs the yt-dlp program, which keeps up with YouTube's changes far better than any JS library.
 * The command line is built in ytdlp-args.ts (no config files, no plugins, the JavaScript runtime, our proxy); what
 * each run needs (the program's capabilities, a proxy ticket) comes from ytdlp-setup.ts; what its output means for
 * the teacher and the admin is in messages.ts. yt-dlp's connections go through Vetted's loopback proxy
 * (src/net/connect-proxy.ts), which applies the guarded fetcher's address rules and allows YouTube's hosts only.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { resolveBinaries } from '../../media/binaries.js';
import { abortReason } from '../../net/errors.js';
import type { Refusal } from '../../net/connect-proxy.js';
import { detailsArgs, downloadArgs, DEFAULT_SETTINGS, OUTPUT_BASENAME, type YtdlpRunSettings } from './ytdlp-args.js';
import { ytdlpError, warningsFrom, type YtdlpWarning } from './messages.js';
import {
  CAPTIONS_FILE,
  failedError,
  looksLikeWebVtt,
  type CaptionTrack,
  type DetailsContext,
  type DownloadContext,
  type DownloadedVideo,
  type VideoDetails,
  type VideoSite,
} from './video-site.js';

export { canonicalWatchUrl, detailsArgs, downloadArgs, YTDLP_FORMAT } from './ytdlp-args.js';
export { ytdlpError, type YtdlpFailure } from './messages.js';

/** One run's settings, and afterwards what the proxy refused during it. */
export interface PreparedRun {
  settings: YtdlpRunSettings;
  refusals(): readonly Refusal[];
  done(): void;
}

export interface YtdlpBackendOptions {
  /** Path or name of the program (or how to find it at each run: the updater may swap it); default `yt-dlp` on the PATH. */
  binary?: string | (() => string);
  /** Each run's settings (capabilities, JavaScript runtime, proxy ticket, cookies); default: none (a bare run). */
  prepare?: (binary: string) => Promise<PreparedRun>;
  /** yt-dlp's warnings an admin can act on (no runtime, PO token, too old), after each run. */
  onWarnings?: (warnings: YtdlpWarning[]) => void;
  /** Handed to --ffmpeg-location so yt-dlp merges with the same ffmpeg as the media stage; default: resolveBinaries(). */
  ffmpegLocation?: string | (() => string | undefined);
  /** Limit for `-J` (reading the video's details). */
  detailsTimeoutMs?: number;
  /** Limit for one whole download, merge included. */
  downloadTimeoutMs?: number;
}

const DEFAULT_DETAILS_TIMEOUT_MS = 2 * 60_000;
const DEFAULT_DOWNLOAD_TIMEOUT_MS = 60 * 60_000;
/** -J output carries every format and caption URL: a few MB at most. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;
const STDERR_KEEP_BYTES = 64 * 1024;
const VIDEO_EXTENSIONS = new Set(['mp4', 'webm', 'mkv', 'm4v', 'mov']);
// ---------------------------------------------------------------------------------------------------------------
// Reading yt-dlp's output

interface YtdlpSubtitle {
  ext?: string;
  url?: string;
  name?: string;
}

interface YtdlpInfo {
  id?: string;
  title?: string;
  channel?: string;
  uploader?: string;
  channel_url?: string;
  uploader_url?: string;
  duration?: number | null;
  is_live?: boolean | null;
  live_status?: string | null;
  age_limit?: number | null;
  license?: string | null;
  thumbnail?: string | null;
  subtitles?: Record<string, YtdlpSubtitle[]> | null;
  automatic_captions?: Record<string, YtdlpSubtitle[]> | null;
}

function englishTracks(subs: Record<string, YtdlpSubtitle[]> | null | undefined, auto: boolean): CaptionTrack[] {
  const out: CaptionTrack[] = [];
  for (const [lang, entries] of Object.entries(subs ?? {})) {
    const l = lang.toLowerCase();
    if (l !== 'en' && !l.startsWith('en-')) continue;
    const vtt = (entries ?? []).find((e) => e.ext === 'vtt' && typeof e.url === 'string');
    if (vtt?.url) out.push({ lang, name: vtt.name ?? lang, url: vtt.url, auto });
  }
  return out;
}

/** The details from `yt-dlp -J`. yt-dlp has no "family safe" or "made for kids" field, so those stay null. */
export function parseDetailsJson(text: string, id: string): VideoDetails {
  let info: YtdlpInfo;
  try {
    info = JSON.parse(text) as YtdlpInfo;
  } catch {
    throw failedError(new Error('yt-dlp printed something that is not JSON'));
  }
  if (!info || typeof info !== 'object') throw failedError(new Error('yt-dlp printed no video details'));
  const live = info.live_status ?? undefined;
  const details: VideoDetails = {
    id: info.id ?? id,
    title: info.title ?? '',
    channel: info.channel ?? info.uploader ?? '',
    durationSeconds: typeof info.duration === 'number' && Number.isFinite(info.duration) ? info.duration : 0,
    // post_live: the stream just ended and YouTube has not finished the recording yet.
    isLive: info.is_live === true || live === 'is_live' || live === 'post_live',
    isUpcoming: live === 'is_upcoming',
    ageRestricted: typeof info.age_limit === 'number' && info.age_limit >= 18,
    familySafe: null,
    madeForKids: null,
    captions: [...englishTracks(info.subtitles, false), ...englishTracks(info.automatic_captions, true)],
  };
  const channelUrl = info.channel_url ?? info.uploader_url;
  if (channelUrl) details.channelUrl = channelUrl;
  if (info.license) details.licence = info.license;
  if (info.thumbnail) details.thumbnailUrl = info.thumbnail;
  return details;
}

/** Percent from a `--newline` progress line ("[download]  42.0% of ..."), else undefined. */
export function parseProgressLine(line: string): number | undefined {
  const m = /^\[download\]\s+(\d+(?:\.\d+)?)%/.exec(line.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isFinite(n) ? Math.min(100, n) : undefined;
}

/** Chooses the English captions yt-dlp wrote (`ytdlp-source.en.vtt`, `…en-GB.vtt`): plain "en" first. */
export function pickCaptionsFile(names: readonly string[]): string | undefined {
  const prefix = `${OUTPUT_BASENAME}.`;
  const langOf = (n: string) => n.slice(prefix.length, -'.vtt'.length).toLowerCase();
  const vtt = names.filter((n) => n.startsWith(prefix) && n.endsWith('.vtt'));
  return (
    vtt.find((n) => langOf(n) === 'en') ??
    vtt.find((n) => langOf(n).startsWith('en-') && langOf(n) !== 'en-orig') ??
    vtt.find((n) => langOf(n).startsWith('en-'))
  );
}

/** The merged (or single) video yt-dlp left behind; never a `.part`, a caption or an unmerged `.f137.mp4`. */
export function pickVideoFile(names: readonly string[]): string | undefined {
  return names.find((n) => {
    const m = new RegExp(`^${OUTPUT_BASENAME}\\.([a-z0-9]+)$`).exec(n);
    return m !== null && VIDEO_EXTENSIONS.has(m[1] as string);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Running the program

// Lives with the managed copy (the admin page's status needs it without loading this backend); re-exported here.
export { findYtdlp } from '../../ytdlp/managed-binary.js';

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  spawnError?: NodeJS.ErrnoException;
  stdoutTooLarge: boolean;
}

/**
 * The environment without proxy variables: a `no_proxy=127.0.0.1` or an `https_proxy` meant for something else must
 * not take yt-dlp around (or away from) Vetted's proxy. YOUTUBE_PROXY is how a school proxy is set.
 */
function childEnv(): NodeJS.ProcessEnv {
  // Building a child's environment, not reading a setting: yt-dlp inherits HOME, PATH, locale and the rest as is.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(https?|all|no|ftp)_proxy$/i.test(k)) env[k] = v;
  }
  return env;
}

/**
 * Runs yt-dlp with an argument array (never a shell). It gets its own process group so a timeout or a stopped job
 * kills it together with the ffmpeg it may have started for merging, with SIGKILL: nothing is left writing.
 */
export function runYtdlp(
  binary: string,
  args: string[],
  o: { timeoutMs: number; signal: AbortSignal; collectStdout: boolean; onLine?: (line: string) => void },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (o.signal.aborted) {
      reject(abortReason(o.signal));
      return;
    }
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, windowsHide: true, env: childEnv() });
    let stdout = '';
    let stdoutBytes = 0;
    let stdoutTooLarge = false;
    let stderr = '';
    let pending = '';
    let timedOut = false;
    let spawnError: NodeJS.ErrnoException | undefined;

    const kill = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, o.timeoutMs);
    const onAbort = (): void => kill();
    o.signal.addEventListener('abort', onAbort, { once: true });

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (o.collectStdout) {
        stdoutBytes += Buffer.byteLength(chunk);
        if (stdoutBytes > MAX_JSON_BYTES) {
          stdoutTooLarge = true;
          kill();
        } else stdout += chunk;
      }
      if (o.onLine) {
        pending += chunk;
        const lines = pending.split(/\r?\n|\r/);
        pending = lines.pop() ?? '';
        for (const line of lines) o.onLine(line);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP_BYTES);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      if (o.signal.aborted) {
        reject(abortReason(o.signal));
        return;
      }
      resolve({ code, stdout, stderr, timedOut, stdoutTooLarge, ...(spawnError ? { spawnError } : {}) });
    });
  });
}

/** The ffmpeg yt-dlp should merge with: the configured one (FFMPEG_PATH via config.ts), else ffmpeg-static or the PATH's. */
export function defaultFfmpegLocation(configured: { ffmpegPath?: string | undefined; ffprobePath?: string | undefined } = {}): string | undefined {
  try {
    return resolveBinaries(configured).ffmpeg;
  } catch {
    // yt-dlp then looks for ffmpeg on the PATH itself, and says so if it needs one.
    return undefined;
  }
}

const BARE_RUN: PreparedRun = { settings: DEFAULT_SETTINGS, refusals: () => [], done: () => {} };

export function createYtdlpBackend(opts: YtdlpBackendOptions = {}): VideoSite {
  const binaryNow = (): string => (typeof opts.binary === 'function' ? opts.binary() : (opts.binary ?? 'yt-dlp'));
  const prepare = async (binary: string): Promise<PreparedRun> => (opts.prepare ? opts.prepare(binary) : BARE_RUN);
  /** Runs once with a fresh proxy ticket; reports warnings; maps failures with what the proxy refused. */
  async function run(
    args: (s: YtdlpRunSettings) => string[],
    o: { timeoutMs: number; signal: AbortSignal; collectStdout: boolean; onLine?: (line: string) => void },
  ): Promise<RunResult & { refusals: readonly Refusal[] }> {
    const binary = binaryNow();
    const prepared = await prepare(binary);
    try {
      const result = await runYtdlp(binary, args(prepared.settings), o);
      const warnings = warningsFrom(result.stderr);
      if (warnings.length) opts.onWarnings?.(warnings);
      return { ...result, refusals: [...prepared.refusals()] };
    } finally {
      prepared.done();
    }
  }
  const detailsTimeoutMs = opts.detailsTimeoutMs ?? DEFAULT_DETAILS_TIMEOUT_MS;
  const downloadTimeoutMs = opts.downloadTimeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS;
  const ffmpegLocation = (): string | undefined =>
    typeof opts.ffmpegLocation === 'function' ? opts.ffmpegLocation() : (opts.ffmpegLocation ?? defaultFfmpegLocation());

  return {
    name: 'yt-dlp',

    async details(id: string, ctx: DetailsContext): Promise<VideoDetails> {
      const result = await run((s) => detailsArgs(id, s), { timeoutMs: detailsTimeoutMs, signal: ctx.signal, collectStdout: true });
      if (result.stdoutTooLarge) throw failedError(new Error('yt-dlp printed more than expected'));
      if (result.spawnError || result.timedOut || result.code !== 0) throw ytdlpError(result);
      return parseDetailsJson(result.stdout, id);
    },

    async download(id: string, _details: VideoDetails, ctx: DownloadContext): Promise<DownloadedVideo> {
      const ffmpeg = ffmpegLocation();
      const args = (s: YtdlpRunSettings) =>
        downloadArgs(
          id,
          {
            workDir: ctx.workDir,
            maxBytes: ctx.policy.maxBytes,
            socketTimeoutSeconds: ctx.policy.idleTimeoutMs / 1000,
            ...(ffmpeg ? { ffmpegLocation: ffmpeg } : {}),
          },
          s,
        );
      // yt-dlp reports each file (picture, then sound) from 0 to 100 %; count them to keep the bar moving forward.
      // Caption files are downloaded first and also print progress; they are not counted.
      let part = 0;
      let captionFile = false;
      let last = -1;
      // Some outcomes (an oversized file skipped by --max-filesize) are only said on stdout.
      const stdoutTail: string[] = [];
      const onLine = (line: string): void => {
        stdoutTail.push(line);
        if (stdoutTail.length > 20) stdoutTail.shift();
        const destination = /^\[download\] Destination:\s*(.*)$/.exec(line.trim());
        if (destination) {
          captionFile = /\.(vtt|srt|ttml|srv\d|json3)$/i.test(destination[1] ?? '');
          if (!captionFile) part += 1;
          return;
        }
        const p = captionFile ? undefined : parseProgressLine(line);
        if (p === undefined) return;
        const overall = Math.floor(Math.min(99, ((Math.max(part, 1) - 1) * 100 + p) / 2));
        if (overall > last) {
          last = overall;
          ctx.onProgress(overall);
        }
      };
      const result = await run(args, { timeoutMs: downloadTimeoutMs, signal: ctx.signal, collectStdout: false, onLine });
      if (result.spawnError || result.timedOut || result.code !== 0) {
        throw ytdlpError({ ...result, maxBytes: ctx.policy.maxBytes });
      }

      const names = await readdir(ctx.workDir);
      const video = pickVideoFile(names);
      if (!video) {
        // --max-filesize makes yt-dlp skip an oversized file and still exit 0.
        const said = [result.stderr, ...stdoutTail].join('\n').trim();
        throw ytdlpError({ stderr: said || 'yt-dlp wrote no video file', maxBytes: ctx.policy.maxBytes, refusals: result.refusals });
      }
      const file = `${OUTPUT_BASENAME}.${path.extname(video).slice(1)}`;
      let captions: string | undefined;
      const chosen = pickCaptionsFile(names);
      if (chosen) {
        const head = await readFile(path.join(ctx.workDir, chosen)).then((b) => b.subarray(0, 64), () => Buffer.alloc(0));
        if (looksLikeWebVtt(head)) {
          await rename(path.join(ctx.workDir, chosen), path.join(ctx.workDir, CAPTIONS_FILE));
          captions = CAPTIONS_FILE;
        }
      }
      // Other languages' captions and leftovers are not ours to keep.
      await Promise.all(
        names
          .filter((n) => n.startsWith(`${OUTPUT_BASENAME}.`) && n !== file && n !== chosen)
          .map((n) => rm(path.join(ctx.workDir, n), { force: true })),
      );
      if (chosen && !captions) await rm(path.join(ctx.workDir, chosen), { force: true });
      ctx.onProgress(100);
      return captions ? { file, captions } : { file };
    },
  };
}
