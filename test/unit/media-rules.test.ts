import { describe, expect, it } from 'vitest';
import { VettedError } from '../../src/domain/errors.js';
import {
  assessProbe,
  clipWindow,
  defaultMediaLimits,
  formatDuration,
  planEncode,
  thumbnailTime,
  uprightSize,
  type ProbeResult,
} from '../../src/domain/media-rules.js';

function probe(over: {
  video?: Partial<NonNullable<ProbeResult['video']>> | null;
  audio?: Partial<NonNullable<ProbeResult['audio']>> | null;
  durationSeconds?: number;
  streamCount?: number;
} = {}): ProbeResult {
  return {
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
    durationSeconds: over.durationSeconds ?? 120,
    sizeBytes: 10_000_000,
    streamCount: over.streamCount ?? 2,
    video:
      over.video === null
        ? null
        : { codec: 'h264', profile: 'High', pixFmt: 'yuv420p', width: 1280, height: 720, rotation: 0, bitsPerRawSample: 8, ...over.video },
    audio: over.audio === null ? null : { codec: 'aac', channels: 2, sampleRate: 48000, ...over.audio },
  };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(VettedError);
    const err = e as VettedError;
    expect(err.transient).toBe(false);
    expect(err.httpStatus).toBe(422);
    return err.code;
  }
  return undefined;
}

describe('planEncode', () => {
  it('copies browser-safe H.264/AAC up to 1080p', () => {
    expect(planEncode(probe(), {})).toBe('copy');
    expect(planEncode(probe({ video: { width: 1920, height: 1080 } }), {})).toBe('copy');
  });

  it('copies H.264 without sound', () => {
    expect(planEncode(probe({ audio: null }), {})).toBe('copy');
  });

  it('copies portrait 1080×1920 phone video, but not beyond 1080p in either orientation', () => {
    expect(planEncode(probe({ video: { width: 1080, height: 1920, rotation: 0 } }), {})).toBe('copy');
    expect(planEncode(probe({ video: { width: 1920, height: 1080, rotation: 90 } }), {})).toBe('copy');
    expect(planEncode(probe({ video: { width: 1440, height: 2560 } }), {})).toBe('transcode');
  });

  it('transcodes 10-bit, 4:4:4 and other pixel formats', () => {
    expect(planEncode(probe({ video: { pixFmt: 'yuv420p10le', bitsPerRawSample: 10 } }), {})).toBe('transcode');
    expect(planEncode(probe({ video: { pixFmt: 'yuv444p' } }), {})).toBe('transcode');
    // Some files report the bit depth only through bits_per_raw_sample.
    expect(planEncode(probe({ video: { bitsPerRawSample: 10 } }), {})).toBe('transcode');
  });

  it('transcodes HEVC, VP9, AV1', () => {
    for (const codec of ['hevc', 'vp9', 'av1', 'mpeg4']) {
      expect(planEncode(probe({ video: { codec } }), {})).toBe('transcode');
    }
  });

  it('transcodes 4K H.264', () => {
    expect(planEncode(probe({ video: { width: 3840, height: 2160 } }), {})).toBe('transcode');
  });

  it('transcodes when the sound is not AAC', () => {
    expect(planEncode(probe({ audio: { codec: 'opus' } }), {})).toBe('transcode');
    expect(planEncode(probe({ audio: { codec: 'mp3' } }), {})).toBe('transcode');
  });

  it('transcodes a clip with a start (a copy would snap to the keyframe before it), copies an end-only clip', () => {
    expect(planEncode(probe(), { startSeconds: 10, endSeconds: 20 })).toBe('transcode');
    expect(planEncode(probe(), { startSeconds: 0.5 })).toBe('transcode');
    expect(planEncode(probe(), { startSeconds: 0, endSeconds: 20 })).toBe('copy');
    expect(planEncode(probe(), { startSeconds: null, endSeconds: 20 })).toBe('copy');
  });

  it('refuses audio-only sources', () => {
    expect(codeOf(() => planEncode(probe({ video: null }), {}))).toBe('media_no_video');
  });
});

describe('assessProbe', () => {
  const limits = defaultMediaLimits;

  it('accepts an ordinary video', () => {
    expect(() => assessProbe(probe(), limits)).not.toThrow();
  });

  it('refuses audio only with a sentence about the missing picture', () => {
    expect(codeOf(() => assessProbe(probe({ video: null }), limits))).toBe('media_no_video');
    expect(() => assessProbe(probe({ video: null }), limits)).toThrow(/audio only/);
  });

  it('refuses zero or unknown duration and empty frames as unreadable', () => {
    expect(codeOf(() => assessProbe(probe({ durationSeconds: 0 }), limits))).toBe('media_unreadable');
    expect(codeOf(() => assessProbe(probe({ durationSeconds: Number.NaN }), limits))).toBe('media_unreadable');
    expect(codeOf(() => assessProbe(probe({ video: { width: 0, height: 0 } }), limits))).toBe('media_unreadable');
  });

  it('refuses videos longer than the limit and names the limit in hours', () => {
    const p = probe({ durationSeconds: 3 * 3600 + 1200 });
    expect(codeOf(() => assessProbe(p, limits))).toBe('media_too_long');
    expect(() => assessProbe(p, limits)).toThrow(/3 h 20 min long.*up to 3 h/);
    expect(() => assessProbe(probe({ durationSeconds: 3 * 3600 }), limits)).not.toThrow();
    expect(() => assessProbe(probe({ durationSeconds: 700 }), { ...limits, maxDurationSeconds: 600 })).toThrow(/10 min/);
  });

  it('refuses frames bigger than 8K in either orientation', () => {
    expect(() => assessProbe(probe({ video: { width: 7680, height: 4320 } }), limits)).not.toThrow();
    expect(() => assessProbe(probe({ video: { width: 4320, height: 7680 } }), limits)).not.toThrow();
    expect(codeOf(() => assessProbe(probe({ video: { width: 8192, height: 4320 } }), limits))).toBe('media_too_large_frame');
    expect(codeOf(() => assessProbe(probe({ video: { width: 4400, height: 7680 } }), limits))).toBe('media_too_large_frame');
  });

  it('refuses files with too many streams', () => {
    expect(codeOf(() => assessProbe(probe({ streamCount: 17 }), limits))).toBe('media_too_many_streams');
    expect(() => assessProbe(probe({ streamCount: 16 }), limits)).not.toThrow();
  });
});

describe('clipWindow', () => {
  const p = probe({ durationSeconds: 100 });

  it('defaults to the whole video', () => {
    expect(clipWindow(p, {})).toEqual({ start: 0, duration: 100 });
    expect(clipWindow(p, { startSeconds: null, endSeconds: null })).toEqual({ start: 0, duration: 100 });
  });

  it('returns start and length', () => {
    expect(clipWindow(p, { startSeconds: 10, endSeconds: 25.5 })).toEqual({ start: 10, duration: 15.5 });
    expect(clipWindow(p, { startSeconds: 90 })).toEqual({ start: 90, duration: 10 });
    expect(clipWindow(p, { endSeconds: 30 })).toEqual({ start: 0, duration: 30 });
  });

  it('stops an end past the last frame at the end of the video', () => {
    expect(clipWindow(p, { startSeconds: 50, endSeconds: 500 })).toEqual({ start: 50, duration: 50 });
  });

  it('refuses clips that do not fit, with a sentence for the teacher', () => {
    expect(codeOf(() => clipWindow(p, { startSeconds: -1 }))).toBe('clip_invalid');
    expect(codeOf(() => clipWindow(p, { startSeconds: 100 }))).toBe('clip_invalid');
    expect(() => clipWindow(p, { startSeconds: 120 })).toThrow(/only 1 min 40 s long/);
    expect(codeOf(() => clipWindow(p, { startSeconds: 20, endSeconds: 20 }))).toBe('clip_invalid');
    expect(codeOf(() => clipWindow(p, { startSeconds: 20, endSeconds: 10 }))).toBe('clip_invalid');
    expect(codeOf(() => clipWindow(p, { startSeconds: Number.NaN }))).toBe('clip_invalid');
  });
});

describe('thumbnailTime', () => {
  it('is 10% in, capped at a minute', () => {
    expect(thumbnailTime(3)).toBeCloseTo(0.3);
    expect(thumbnailTime(100)).toBe(10);
    expect(thumbnailTime(3 * 3600)).toBe(60);
  });

  it('is never 0 for a video of a second or more, and 0 when there is nothing to seek into', () => {
    expect(thumbnailTime(1)).toBeGreaterThan(0);
    expect(thumbnailTime(0.5)).toBe(0);
    expect(thumbnailTime(0)).toBe(0);
    expect(thumbnailTime(Number.NaN)).toBe(0);
  });

  it('stays inside the video', () => {
    for (const d of [1, 2, 5, 30, 600, 7200]) expect(thumbnailTime(d)).toBeLessThan(d);
  });
});

describe('helpers', () => {
  it('formats durations as a teacher reads them', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(750)).toBe('12 min 30 s');
    expect(formatDuration(7200)).toBe('2 h');
    expect(formatDuration(7500)).toBe('2 h 5 min');
  });

  it('swaps width and height for quarter turns', () => {
    expect(uprightSize({ width: 1920, height: 1080, rotation: 90 })).toEqual({ width: 1080, height: 1920 });
    expect(uprightSize({ width: 1920, height: 1080, rotation: 180 })).toEqual({ width: 1920, height: 1080 });
    expect(uprightSize({ width: 1920, height: 1080, rotation: 270 })).toEqual({ width: 1080, height: 1920 });
  });
});
