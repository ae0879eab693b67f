import { thumbnailTime, uprightSize, type ProbeResult } from './media-rules.js';

/**
 * What the media stage runs for one video, decided from the probe alone (no I/O), so each choice is tested here.
 *
 * Both start, when there is sound, with an audio-only pass that measures it (a small fraction of the work), so the
 * main run can apply the gain; then one run reads the source once:
 * - transcode: one decode feeds the H.264 encode, the checks' small frames, the poster and the thumbnail.
 * - copy: the picture is stream-copied into the published file and, in the same run, decoded for the checks' small
 *   frames only (a cheaper decode: see `copyArgs`); the sound is copied, or re-encoded alone when its loudness needs
 *   a gain. The poster and thumbnail come from the copy's keyframes afterwards, decoded normally.
 */
export interface PreparationPlan {
  encode: 'copy' | 'transcode';
  /** Cut to apply, from `clipWindow`; null for the whole video. */
  window: { start: number; duration: number } | null;
  /** Seconds of output, for progress and for the storyboard's spacing. */
  outputSeconds: number;
  /** The small frames the flash and scene analysis read: upright, aspect kept, at a constant rate. */
  analysis: { width: number; height: number; fps: number };
  /** Where the poster is taken, in output time. */
  posterAt: number;
  /** The first sound track is measured and normalised; false for a silent (no audio track) video. */
  audio: boolean;
  /**
   * The layout the sound is measured and published in. A copied mono track stays mono, so it is measured as mono
   * (EBU R128 measures the channels there are: upmixed to stereo, each channel 3 dB down, its true peak would read
   * 3 dB low while the copied file keeps it) and, when it needs a gain, re-encoded as mono. Everything else is
   * published, so measured, as 48 kHz stereo.
   */
  soundLayout: 'mono' | 'stereo';
  /** The text subtitle track that becomes the item's captions, when the item has none from its source. */
  subtitleTrack: number | null;
  /**
   * The vetting checks (flashing, loudness, storyboard) run in the same decode. Always on in the service; off only
   * where the benchmark measures the pipeline's own overhead against a bare ffmpeg (never a setting a school has).
   */
  checks: boolean;
}

/** Longest side of the analysis frames: 160×90 for 16:9, enough for area proportions, cheap per frame. */
export const ANALYSIS_LONG_SIDE = 160;
const DEFAULT_FPS = 30;
/** Frames faster than this are analysed at this rate: at 60 per second every flash of 30 Hz is still seen. */
const MAX_ANALYSIS_FPS = 60;

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

export function analysisSize(video: { width: number; height: number; rotation: number }): { width: number; height: number } {
  const up = uprightSize(video);
  if (up.width <= 0 || up.height <= 0) return { width: ANALYSIS_LONG_SIDE, height: even((ANALYSIS_LONG_SIDE * 9) / 16) };
  const scale = ANALYSIS_LONG_SIDE / Math.max(up.width, up.height);
  return { width: even(up.width * scale), height: even(up.height * scale) };
}

export function analysisFps(frameRate: number | undefined): number {
  if (!frameRate || !Number.isFinite(frameRate) || frameRate <= 0) return DEFAULT_FPS;
  return Math.round(Math.min(frameRate, MAX_ANALYSIS_FPS) * 1000) / 1000;
}

export function planPreparation(
  probe: ProbeResult,
  encode: 'copy' | 'transcode',
  window: { start: number; duration: number } | null,
  opts: { hasCaptions: boolean; checks?: boolean },
): PreparationPlan {
  const video = probe.video ?? { width: 0, height: 0, rotation: 0 };
  const outputSeconds = window ? window.duration : probe.durationSeconds;
  const subtitle = opts.hasCaptions ? undefined : probe.textSubtitles?.[0];
  return {
    encode,
    window,
    outputSeconds,
    analysis: { ...analysisSize(video), fps: analysisFps(probe.video?.frameRate) },
    posterAt: thumbnailTime(outputSeconds),
    audio: probe.audio !== null,
    soundLayout: encode === 'copy' && probe.audio?.channels === 1 ? 'mono' : 'stereo',
    subtitleTrack: subtitle ? subtitle.index : null,
    checks: opts.checks ?? true,
  };
}

/** A storyboard sprite's grid for `n` pictures: up to 10 across. */
export function spriteGrid(n: number): { columns: number; rows: number } {
  const columns = Math.max(1, Math.min(10, n));
  return { columns, rows: Math.max(1, Math.ceil(n / columns)) };
}

/**
 * The picture size of the published video, as ffmpeg's scale filter computes it for the transcode (box fitted to the
 * upright picture, aspect kept, rounded to the nearest pixel, then down to even); a copy keeps the stored size.
 * Known from the plan, so the published file need not be probed again.
 */
export function encodedSize(
  video: { width: number; height: number; rotation: number },
  encode: 'copy' | 'transcode',
): { width: number; height: number } {
  if (encode === 'copy') return { width: video.width, height: video.height };
  const up = uprightSize(video);
  const [boxW, boxH] = up.width >= up.height ? [1920, 1080] : [1080, 1920];
  let w = Math.min(boxW, up.width);
  let h = Math.min(boxH, up.height);
  const tmpW = Math.round((h * up.width) / up.height);
  const tmpH = Math.round((w * up.height) / up.width);
  w = Math.min(tmpW, w);
  h = Math.min(tmpH, h);
  return { width: Math.floor(w / 2) * 2, height: Math.floor(h / 2) * 2 };
}
