/**
 * The YouTube source: turns a YouTube item into a local video file (plus English captions when YouTube has them),
 * through whichever `VideoSite` backend the operator chose.
 */
import { VettedError } from '../../domain/errors.js';
import { resolveBinaries } from '../../media/binaries.js';
import { createMediaAdapter, type MediaAdapter } from '../../media/ffmpeg.js';
import { recogniseLink } from '../link.js';
import type { FetchedVideo, Source, SourceContext } from '../types.js';
import { assessVideo, type AgeRestrictedPolicy, type VideoSite } from './video-site.js';
import { createYtdlBackend } from './ytdl-backend.js';
import { createYtdlpBackend, findYtdlp } from './ytdlp-backend.js';

export { assessVideo, pickEnglishCaptions, CAPTIONS_FILE } from './video-site.js';
export type { AgeRestrictedPolicy, CaptionTrack, VideoDetails, VideoSite } from './video-site.js';
export { createYtdlBackend, type YtdlBackendOptions } from './ytdl-backend.js';
export { createYtdlpBackend, findYtdlp, type YtdlpBackendOptions } from './ytdlp-backend.js';

export type YouTubeBackendChoice = 'ytdl' | 'yt-dlp' | 'auto';

export interface VideoSiteEnv {
  /** YOUTUBE_BACKEND; default 'auto'. */
  backend?: YouTubeBackendChoice | string;
  /** YTDLP_PATH: path or name of the yt-dlp program. */
  ytdlpPath?: string;
  /** Passed to yt-dlp's --ffmpeg-location; default: the media stage's ffmpeg (FFMPEG_PATH, ffmpeg-static, PATH). */
  ffmpegPath?: string;
}

/**
 * Picks the backend. 'auto' uses yt-dlp when a working program is configured or on the PATH (it copes with YouTube's
 * changes best), else the built-in ytdl-core backend. Without an argument it reads YOUTUBE_BACKEND and YTDLP_PATH.
 * An unknown backend name is an operator's typo and fails at start, not at the first video.
 */
export function chooseVideoSite(
  env: VideoSiteEnv = { backend: process.env.YOUTUBE_BACKEND || undefined, ytdlpPath: process.env.YTDLP_PATH || undefined },
): VideoSite {
  const backend = env.backend ?? 'auto';
  const ytdlp = (binary: string) =>
    createYtdlpBackend({ binary, ...(env.ffmpegPath ? { ffmpegLocation: env.ffmpegPath } : {}) });
  switch (backend) {
    case 'ytdl':
      return createYtdlBackend();
    case 'yt-dlp':
      // Explicitly chosen: a missing program is reported on the item (youtube_backend_missing), not hidden.
      return ytdlp(findYtdlp(env.ytdlpPath) ?? env.ytdlpPath ?? 'yt-dlp');
    case 'auto': {
      const found = findYtdlp(env.ytdlpPath);
      return found ? ytdlp(found) : createYtdlBackend();
    }
    default:
      throw new Error(`YOUTUBE_BACKEND must be ytdl, yt-dlp or auto, not "${backend}"`);
  }
}

/** YOUTUBE_AGE_RESTRICTED=refuse|flag; refuse unless an operator explicitly asks to flag. */
export function ageRestrictedPolicyFrom(value: string | undefined = process.env.YOUTUBE_AGE_RESTRICTED): AgeRestrictedPolicy {
  if (value === undefined || value === '' || value === 'refuse') return 'refuse';
  if (value === 'flag') return 'flag';
  throw new Error(`YOUTUBE_AGE_RESTRICTED must be refuse or flag, not "${value}"`);
}

export interface YouTubeSourceOptions {
  ageRestrictedPolicy: AgeRestrictedPolicy;
  /**
   * The media adapter, for merging separate picture and sound; pass AppContext.media. Without it the source builds
   * its own from FFMPEG_PATH/FFPROBE_PATH (or ffmpeg-static, or the PATH) on first use.
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
