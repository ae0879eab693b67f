import { VettedError } from './errors.js';

/**
 * The facts about one media file that the rules below need, as read by the media adapter's probe.
 * `rotation` is how far a player turns the picture clockwise to show it upright (0, 90, 180 or 270), from the
 * display matrix phones write; `width`/`height` are the stored (unrotated) frame size.
 */
export interface ProbeResult {
  formatName: string;
  durationSeconds: number;
  sizeBytes: number;
  streamCount: number;
  video: {
    codec: string;
    profile?: string;
    pixFmt: string;
    width: number;
    height: number;
    rotation: number;
    bitsPerRawSample?: number;
    /** Average frames per second, when the container states it. */
    frameRate?: number;
  } | null;
  audio: { codec: string; channels: number; sampleRate: number } | null;
  /** Text subtitle tracks (mov_text, SubRip, WebVTT, ASS), numbered among the file's subtitle tracks. */
  textSubtitles?: Array<{ index: number; codec: string; language: string | null }>;
}

export interface MediaLimits {
  maxDurationSeconds: number;
  /** Longest side of the frame, either orientation. */
  maxWidth: number;
  /** Shortest side of the frame, either orientation. */
  maxHeight: number;
  maxStreams: number;
}

export const defaultMediaLimits: Readonly<MediaLimits> = Object.freeze({
  maxDurationSeconds: 3 * 3600,
  maxWidth: 7680,
  maxHeight: 4320,
  maxStreams: 16,
});

export interface Clip {
  startSeconds?: number | null;
  endSeconds?: number | null;
}

function refuse(code: string, message: string): VettedError {
  return new VettedError(code, message, { transient: false, httpStatus: 422 });
}

/** "2 h 5 min", "12 min 30 s", "45 s" — durations as a teacher reads them. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return sec > 0 ? `${m} min ${sec} s` : `${m} min`;
  return `${sec} s`;
}

/** Quarter turns make the picture lie on its side, so the upright frame has width and height swapped. */
export function uprightSize(video: { width: number; height: number; rotation: number }): { width: number; height: number } {
  const sideways = video.rotation % 180 !== 0;
  return sideways ? { width: video.height, height: video.width } : { width: video.width, height: video.height };
}

function noVideo(): VettedError {
  return refuse(
    'media_no_video',
    'This link is audio only / has no video picture, so there is nothing to show on the board. Choose a link to a video.',
  );
}

/** Refuses media Vetted should not process at all: no picture, unreadable, too long, too big, too many streams. */
export function assessProbe(p: ProbeResult, limits: MediaLimits): void {
  if (!p.video) throw noVideo();
  if (!Number.isFinite(p.durationSeconds) || p.durationSeconds <= 0 || p.video.width <= 0 || p.video.height <= 0) {
    throw refuse(
      'media_unreadable',
      'The file is not a video Vetted can read (it may be damaged or in an unusual format).',
    );
  }
  if (p.streamCount > limits.maxStreams) {
    throw refuse(
      'media_too_many_streams',
      `This file holds ${p.streamCount} separate tracks; Vetted accepts at most ${limits.maxStreams}. Choose a plain video file.`,
    );
  }
  // Compare sides rather than width/height so that a portrait 8K video counts the same as a landscape one.
  const longSide = Math.max(p.video.width, p.video.height);
  const shortSide = Math.min(p.video.width, p.video.height);
  if (longSide > Math.max(limits.maxWidth, limits.maxHeight) || shortSide > Math.min(limits.maxWidth, limits.maxHeight)) {
    throw refuse(
      'media_too_large_frame',
      `This video's picture is ${p.video.width}×${p.video.height}, bigger than 8K (${limits.maxWidth}×${limits.maxHeight}), which Vetted does not accept. Choose a smaller version of the video.`,
    );
  }
  if (p.durationSeconds > limits.maxDurationSeconds) {
    throw refuse(
      'media_too_long',
      `This video is ${formatDuration(p.durationSeconds)} long; Vetted accepts videos up to ${formatDuration(limits.maxDurationSeconds)}. Choose a shorter video, or set a clip.`,
    );
  }
}

// 8-bit 4:2:0. yuvj420p is the same layout marked full-range (some cameras write it); browsers play both.
const BROWSER_SAFE_PIX_FMTS = new Set(['yuv420p', 'yuvj420p']);
const COPY_MAX_LONG_SIDE = 1920;
const COPY_MAX_SHORT_SIDE = 1080;

/**
 * Decides whether the source can be remuxed into MP4 unchanged ("copy", a fraction of a second) or must be
 * re-encoded ("transcode", often longer than the video itself). Copy needs what every browser plays: H.264 8-bit
 * 4:2:0, AAC or no sound, at most 1080p in either orientation. A clip that starts after 0 always transcodes:
 * a stream-copy cut starts at the keyframe before the start, so the class would see frames outside the clip.
 * An end-only clip can copy (the cut just stops).
 */
export function planEncode(p: ProbeResult, clip: Clip): 'copy' | 'transcode' {
  const v = p.video;
  if (!v) throw noVideo();
  if ((clip.startSeconds ?? 0) > 0) return 'transcode';
  if (v.codec !== 'h264') return 'transcode';
  if (!BROWSER_SAFE_PIX_FMTS.has(v.pixFmt)) return 'transcode';
  if (v.bitsPerRawSample !== undefined && v.bitsPerRawSample > 8) return 'transcode';
  if (Math.max(v.width, v.height) > COPY_MAX_LONG_SIDE || Math.min(v.width, v.height) > COPY_MAX_SHORT_SIDE) {
    return 'transcode';
  }
  if (p.audio && p.audio.codec !== 'aac') return 'transcode';
  return 'copy';
}

function clipInvalid(message: string): VettedError {
  return refuse('clip_invalid', message);
}

/**
 * Checks a clip against the video's length and returns the window to cut. No start means the beginning; no end
 * (or an end past the last frame) means the end of the video.
 */
export function clipWindow(p: ProbeResult, clip: Clip): { start: number; duration: number } {
  const total = p.durationSeconds;
  const start = clip.startSeconds ?? 0;
  const end = clip.endSeconds ?? total;
  if (!Number.isFinite(start) || !Number.isFinite(end)) {
    throw clipInvalid('The clip start and end must be times in seconds.');
  }
  if (start < 0) throw clipInvalid('The clip cannot start before the beginning of the video.');
  if (start >= total) {
    throw clipInvalid(`The clip starts after the video ends: the video is only ${formatDuration(total)} long.`);
  }
  if (end <= start) throw clipInvalid('The clip must end after it starts.');
  const clampedEnd = Math.min(end, total);
  return { start, duration: clampedEnd - start };
}

/**
 * Where to take the poster frame: 10% in skips title cards and fades from black, capped at one minute so a long
 * video still shows its start. Zero only for videos too short to seek into.
 */
export function thumbnailTime(durationSeconds: number): number {
  if (!Number.isFinite(durationSeconds) || durationSeconds < 1) return 0;
  const t = Math.min(durationSeconds * 0.1, 60);
  return Math.round(t * 1000) / 1000;
}
