/**
 * The YouTube source: turns a YouTube item into a local video file (plus English captions when YouTube has them),
 * through whichever `VideoSite` backend the operator chose.
 */
import { VettedError } from '../../domain/errors.js';
import { resolveBinaries } from '../../media/binaries.js';
import { createMediaAdapter, type MediaAdapter } from '../../media/ffmpeg.js';
import { recogniseLink } from '../../domain/link.js';
import type { FetchedVideo, Source, SourceContext } from '../types.js';
import { assessVideo, type AgeRestrictedPolicy, type VideoSite } from './video-site.js';
import type { YtdlpWarning } from './messages.js';
import { createYtdlpBackend, findYtdlp } from './ytdlp-backend.js';
import type { YtdlpSetup } from './ytdlp-setup.js';

export { assessVideo, pickEnglishCaptions, CAPTIONS_FILE } from './video-site.js';
export type { AgeRestrictedPolicy, CaptionTrack, VideoDetails, VideoSite } from './video-site.js';
export type { YtdlBackendOptions } from './ytdl-backend.js';
export { createYtdlpBackend, findYtdlp, type YtdlpBackendOptions } from './ytdlp-backend.js';

export type YouTubeBackendChoice = 'ytdl' | 'yt-dlp' | 'auto';

export interface VideoSiteEnv {
  /** YOUTUBE_BACKEND; default 'yt-dlp'. */
  backend?: YouTubeBackendChoice | string;
  /** Path or name of the yt-dlp program, or how to find it at each run (the updater may have swapped it). */
  ytdlpPath?: string | (() => string | undefined);
  /** Passed to yt-dlp's --ffmpeg-location; default: ffmpeg-static or the PATH's ffmpeg. The worker passes the configured one. */
  ffmpegPath?: string | (() => string | undefined);
  /** Each run's runtime, proxy ticket and options (ytdlp-setup.ts); without it yt-dlp runs bare (tests of the process handling). */
  setup?: YtdlpSetup;
  onWarnings?: (warnings: YtdlpWarning[]) => void;
}

/**
 * Picks the backend. yt-dlp is the default: it keeps up with YouTube, and with a JavaScript runtime it fetches what a
 * school needs ("made for kids" videos included). The ytdl-core backend is an explicit opt-in only: its library has
 * been unmaintained since 2025 and no longer deciphers YouTube's player. 'auto' uses yt-dlp when a program is found,
 * else ytdl-core. An unknown backend name is an operator's typo and fails at start, not at the first video.
 */
/**
 * The opt-in ytdl-core backend, loaded on its first use: the library and its HTTP stack cost a worker
 * about 27 MB, which a worker using yt-dlp (the default) should not carry.
 */
function lazyYtdlBackend(): VideoSite {
  let site: Promise<VideoSite> | undefined;
  const load = () => (site ??= import('./ytdl-backend.js').then((m) => m.createYtdlBackend()));
  return {
    name: 'ytdl',
    details: async (id, ctx) => (await load()).details(id, ctx),
    download: async (id, details, ctx) => (await load()).download(id, details, ctx),
  };
}

export function chooseVideoSite(env: VideoSiteEnv = {}): VideoSite {
  const backend = env.backend ?? 'yt-dlp';
  const configured = (): string | undefined => (typeof env.ytdlpPath === 'function' ? env.ytdlpPath() : env.ytdlpPath);
  const ytdlp = (binary: () => string) =>
    createYtdlpBackend({
      binary,
      ...(env.ffmpegPath ? { ffmpegLocation: env.ffmpegPath } : {}),
      ...(env.setup ? { prepare: env.setup.prepare } : {}),
      ...(env.onWarnings ? { onWarnings: env.onWarnings } : {}),
    });
  switch (backend) {
    case 'ytdl':
      return lazyYtdlBackend();
    case 'yt-dlp':
      // A missing program is reported on the item (youtube_backend_missing), not hidden behind another backend.
      return ytdlp(() => findYtdlp(configured()) ?? configured() ?? 'yt-dlp');
    case 'auto': {
      const found = findYtdlp(configured());
      return found ? ytdlp(() => findYtdlp(configured()) ?? found) : lazyYtdlBackend();
    }
    default:
      throw new Error(`YOUTUBE_BACKEND must be yt-dlp, ytdl or auto, not "${backend}"`);
  }
}

/** YOUTUBE_AGE_RESTRICTED=refuse|flag (config.ts reads the variable); refuse unless an operator explicitly asks to flag. */
export function ageRestrictedPolicyFrom(value: string | undefined): AgeRestrictedPolicy {
  if (value === undefined || value === '' || value === 'refuse') return 'refuse';
  if (value === 'flag') return 'flag';
  throw new Error(`YOUTUBE_AGE_RESTRICTED must be refuse or flag, not "${value}"`);
}

export interface YouTubeSourceOptions {
  ageRestrictedPolicy: AgeRestrictedPolicy;
  /**
   * The media adapter, for merging separate picture and sound; pass AppContext.media. Without it the source builds
   * its own from ffmpeg-static or the PATH on first use.
   */
  media?: () => MediaAdapter;
}

/** Long enough for a stream-copy merge of a long 1080p video on a slow disk. */
const FALLBACK_MERGE_TIMEOUT_MS = 30 * 60_000;
let fallbackMedia: MediaAdapter | undefined;

function defaultMedia(): MediaAdapter {
  if (!fallbackMedia) {
    const bins = resolveBinaries();
    fallbackMedia = createMediaAdapter({ ffmpegPath: bins.ffmpeg, ffprobePath: bins.ffprobe, timeoutMs: FALLBACK_MERGE_TIMEOUT_MS });
  }
  return fallbackMedia;
}

/** Share of the fetch bar for reading the details; the download fills the rest. */
const DETAILS_SHARE = 2;

export function youtubeSource(site: VideoSite, opts: YouTubeSourceOptions): Source {
  return {
    name: 'youtube',
    async fetch(ctx: SourceContext): Promise<FetchedVideo> {
      const link = recogniseLink(new URL(ctx.item.url));
      const id = link.youtubeId;
      if (link.kind !== 'youtube' || !id) {
        // The item was routed here by its kind; a non-YouTube URL means a bug upstream, not a teacher's mistake.
        throw new VettedError('youtube_not_a_video', "This link doesn't point to a single YouTube video.");
      }
      const details = await site.details(id, { policy: ctx.policy, signal: ctx.signal });
      const { flags } = assessVideo(details, { ageRestrictedPolicy: opts.ageRestrictedPolicy });
      ctx.onProgress(DETAILS_SHARE);

      const downloaded = await site.download(id, details, {
        policy: ctx.policy,
        signal: ctx.signal,
        workDir: ctx.workDir,
        // Looked up only when a backend merges: yt-dlp merges by itself, progressive downloads need no merge.
        get media() {
          return opts.media ? opts.media() : defaultMedia();
        },
        onProgress: (p) => ctx.onProgress(DETAILS_SHARE + (Math.max(0, Math.min(100, p)) * (100 - DETAILS_SHARE)) / 100),
      });

      const fetched: FetchedVideo = {
        type: 'video',
        file: downloaded.file,
        details: {
          source: 'youtube',
          backend: site.name,
          youtubeId: id,
          channel: details.channel,
          channelUrl: details.channelUrl ?? null,
          durationSeconds: details.durationSeconds,
          ageRestricted: details.ageRestricted,
          familySafe: details.familySafe,
          madeForKids: details.madeForKids,
          licence: details.licence ?? null,
          captions: downloaded.captions !== undefined,
          flags,
        },
      };
      if (details.title) fetched.title = details.title;
      if (downloaded.captions) fetched.captions = downloaded.captions;
      return fetched;
    },
  };
}
