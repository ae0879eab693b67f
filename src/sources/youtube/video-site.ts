/**
 * The seam between the YouTube source and the tool that actually talks to YouTube. Two backends sit behind it
 * (ytdl-backend.ts, pure JS through the guarded fetcher; ytdlp-backend.ts, the yt-dlp program), because YouTube
 * changes often and blocks servers unevenly: an operator can switch when one stops working. Everything in this file
 * is pure, so the classroom rules about what YouTube tells us are tested without any network.
 */
import { VettedError } from '../../domain/errors.js';
import type { MediaAdapter } from '../../media/ffmpeg.js';
import type { FetchPolicy } from '../../net/fetcher.js';

export interface CaptionTrack {
  /** BCP-47-ish language code as YouTube gives it: "en", "en-GB". */
  lang: string;
  name: string;
  url: string;
  /** true for YouTube's automatic speech recognition, false for captions someone wrote. */
  auto: boolean;
}

export interface VideoDetails {
  id: string;
  title: string;
  channel: string;
  channelUrl?: string;
  durationSeconds: number;
  isLive: boolean;
  isUpcoming: boolean;
  ageRestricted: boolean;
  /** YouTube's own "family safe" mark; null when the backend could not see it. */
  familySafe: boolean | null;
  /** The uploader's "made for kids" declaration; null when unknown (often: neither backend exposes it reliably). */
  madeForKids: boolean | null;
  licence?: string;
  captions: CaptionTrack[];
  thumbnailUrl?: string;
}

export interface DetailsContext {
  policy: FetchPolicy;
  signal: AbortSignal;
}

export interface DownloadContext extends DetailsContext {
  workDir: string;
  /** 0–100 for the whole download, including any merge. */
  onProgress(percent: number): void;
  media: MediaAdapter;
}

export interface DownloadedVideo {
  /** File name in workDir: one video file with audio (when the video has any), ready for the media stage. */
  file: string;
  /** WebVTT file name in workDir, English, when YouTube had usable captions. */
  captions?: string;
}

export interface VideoSite {
  readonly name: 'ytdl' | 'yt-dlp';
  details(id: string, ctx: DetailsContext): Promise<VideoDetails>;
  download(id: string, details: VideoDetails, ctx: DownloadContext): Promise<DownloadedVideo>;
}

export type AgeRestrictedPolicy = 'refuse' | 'flag';

/** The single name for captions saved next to the video, whichever backend fetched them. */
export const CAPTIONS_FILE = 'captions.vtt';

export const YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;

// ---------------------------------------------------------------------------------------------------------------
// Errors both backends raise, so a teacher reads the same sentence whichever tool failed.

const BLOCKED_MESSAGE =
  'YouTube refused to send this video to the school server (it often blocks servers). Vetted will try again later; ' +
  'if it keeps failing, download the video and upload the file to the playlist instead, and ask your IT person to ' +
  'look at the YouTube page of the admin console.';

export function liveError(): VettedError {
  return new VettedError(
    'youtube_live',
    'This is a live stream (or a premiere that has not started yet). Vetted can only prepare recorded videos.',
  );
}

export function ageRestrictedError(): VettedError {
  return new VettedError(
    'youtube_age_restricted',
    'YouTube marks this video as age-restricted, so it is not suitable for the classroom.',
  );
}

export function unavailableError(cause?: unknown): VettedError {
  const err = new VettedError(
    'youtube_unavailable',
    'This YouTube video is private, has been removed, or is not available. Check the link opens on YouTube without signing in.',
  );
  if (cause !== undefined) err.cause = cause;
  return err;
}

/** Transient: YouTube's blocking comes and goes, so the job queue tries again before the teacher sees it. */
export function blockedError(cause?: unknown): VettedError {
  const err = new VettedError('youtube_blocked', BLOCKED_MESSAGE, { transient: true, httpStatus: 502 });
  if (cause !== undefined) err.cause = cause;
  return err;
}

/** Anything we could not recognise: worth another try, and the teacher still gets a way out. */
export function failedError(cause?: unknown): VettedError {
  const err = new VettedError(
    'youtube_failed',
    'Vetted could not download this video from YouTube. It will try again later; if it keeps failing, download the video and upload the file to the playlist instead.',
    { transient: true, httpStatus: 502 },
  );
  if (cause !== undefined) err.cause = cause;
  return err;
}

/** Keeps a cause short enough for logs: ytdl-core can put a whole web page into an error message. */
export function shortCause(e: unknown): Error {
  const message = e instanceof Error ? e.message : String(e);
  return new Error(message.length > 500 ? `${message.slice(0, 500)}…` : message);
}

/**
 * What YouTube's own refusal texts mean for us. Both ytdl-core (playabilityStatus.reason) and yt-dlp (its ERROR
 * line) repeat YouTube's wording, so one table serves both. Order matters: the bot check also says "Sign in".
 */
export function classifyYouTubeRefusal(text: string): 'blocked' | 'age' | 'live' | 'unavailable' | undefined {
  if (/not a bot|confirm you.?re not|unusual traffic|HTTP Error 429|Too Many Requests/i.test(text)) return 'blocked';
  if (/confirm your age|age[- ]restrict|inappropriate for some users|age[- ]gate/i.test(text)) return 'age';
  if (/live event will begin|premieres? in|live stream (is )?offline|this live (event|stream)|will begin in/i.test(text)) return 'live';
  if (
    /private video|video unavailable|this video is (unavailable|private|no longer available)|has been removed|no longer available|account associated with this video has been terminated|copyright claim|does not exist|not available in your country|members[- ]only|join this channel/i.test(
      text,
    )
  ) {
    return 'unavailable';
  }
  return undefined;
}

export function refusalError(kind: NonNullable<ReturnType<typeof classifyYouTubeRefusal>>, cause?: unknown): VettedError {
  switch (kind) {
    case 'blocked':
      return blockedError(cause);
    case 'age':
      return ageRestrictedError();
    case 'live':
      return liveError();
    case 'unavailable':
      return unavailableError(cause);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Classroom rules

/**
 * Decides from the details alone whether the video may go on: live and upcoming streams have no finished file to
 * vet; age-restricted or not-family-safe videos are refused, or, when the school chose 'flag', let through with
 * flags so the reviewer sees why to look twice.
 */
export function assessVideo(details: VideoDetails, opts: { ageRestrictedPolicy: AgeRestrictedPolicy }): { flags: string[] } {
  if (details.isLive || details.isUpcoming) throw liveError();
  const flags: string[] = [];
  if (details.ageRestricted) flags.push('age_restricted');
  if (details.familySafe === false) flags.push('not_family_safe');
  if (flags.length > 0 && opts.ageRestrictedPolicy !== 'flag') throw ageRestrictedError();
  return { flags };
}

/**
 * The English track to keep: captions someone wrote in plain "en", then any other written English ("en-GB"), then
 * YouTube's automatic English. Automatic captions are often wrong, so a written track always wins.
 */
export function pickEnglishCaptions(tracks: readonly CaptionTrack[]): CaptionTrack | undefined {
  const lang = (t: CaptionTrack) => t.lang.toLowerCase();
  const english = (t: CaptionTrack) => lang(t) === 'en' || lang(t).startsWith('en-');
  return (
    tracks.find((t) => !t.auto && lang(t) === 'en') ??
    tracks.find((t) => !t.auto && english(t)) ??
    tracks.find((t) => t.auto && lang(t) === 'en') ??
    tracks.find((t) => t.auto && english(t) && lang(t) !== 'en-orig') ??
    tracks.find((t) => t.auto && english(t))
  );
}

/** True when `text` is a WebVTT file: a server error page or YouTube's XML format must not pass as captions. */
export function looksLikeWebVtt(head: Buffer | string): boolean {
  const text = typeof head === 'string' ? head : head.subarray(0, 64).toString('utf8');
  return /^\uFEFF?WEBVTT(?:[ \t\r\n]|$)/.test(text);
}
