import { describe, expect, it } from 'vitest';
import { gainFor, gainTo, parseEbur128Summary, planLoudness } from '../../src/domain/loudness.js';
import { analysisFps, analysisSize, encodedSize, planPreparation, spriteGrid } from '../../src/domain/media-plan.js';
import type { ProbeResult } from '../../src/domain/media-rules.js';
import { ScenePicker, sceneScore } from '../../src/domain/scenes.js';
import { measureAudioArgs, muxArgs, pictureArgs, soundArgs, transcodeArgs } from '../../src/media/commands.js';
import { requiredAcknowledgements } from '../../src/domain/vetting.js';

const probe = (o: Partial<ProbeResult> = {}): ProbeResult => ({
  formatName: 'mov,mp4',
  durationSeconds: 120,
  sizeBytes: 1,
  streamCount: 2,
  video: { codec: 'h264', pixFmt: 'yuv420p', width: 1920, height: 1080, rotation: 0, frameRate: 29.97 },
  audio: { codec: 'aac', channels: 2, sampleRate: 48000 },
  ...o,
});

describe('what the media stage runs', () => {
  it('analyses small upright frames, aspect kept, at the source rate up to 60', () => {
    expect(analysisSize({ width: 1920, height: 1080, rotation: 0 })).toEqual({ width: 160, height: 90 });
    expect(analysisSize({ width: 1920, height: 1080, rotation: 90 })).toEqual({ width: 90, height: 160 });
    expect(analysisSize({ width: 640, height: 480, rotation: 0 })).toEqual({ width: 160, height: 120 });
    expect(analysisFps(29.97)).toBe(29.97);
    expect(analysisFps(120)).toBe(60);
    expect(analysisFps(undefined)).toBe(30);
  });

  it('takes the poster in output time, measures sound only when there is some, and picks an embedded text track', () => {
    const p = planPreparation(probe({ textSubtitles: [{ index: 1, codec: 'subrip', language: 'eng' }] }), 'transcode', { start: 30, duration: 20 }, { hasCaptions: false });
    expect(p).toMatchObject({ encode: 'transcode', outputSeconds: 20, posterAt: 2, audio: true, subtitleTrack: 1 });
    expect(planPreparation(probe({ audio: null }), 'copy', null, { hasCaptions: true }).audio).toBe(false);
    // The source's own captions (YouTube's) win over an embedded track.
    expect(planPreparation(probe({ textSubtitles: [{ index: 0, codec: 'mov_text', language: null }] }), 'copy', null, { hasCaptions: true }).subtitleTrack).toBeNull();
  });

  it('measures a copied mono track as mono and keeps it mono; everything else is measured and published as stereo', () => {
    const mono = probe({ audio: { codec: 'aac', channels: 1, sampleRate: 44100 } });
    const copied = planPreparation(mono, 'copy', null, { hasCaptions: false });
    expect(copied.soundLayout).toBe('mono');
    expect(planPreparation(mono, 'transcode', null, { hasCaptions: false }).soundLayout).toBe('stereo');
    expect(planPreparation(probe(), 'copy', null, { hasCaptions: false }).soundLayout).toBe('stereo');
    const chainOf = (args: string[], flag: string) => args[args.indexOf(flag) + 1]!;
    expect(chainOf(measureAudioArgs('/v.mp4', copied), '-af')).toContain('channel_layouts=mono,ebur128');
    const sound = soundArgs('/v.mp4', '/w/sound.part.m4a', copied, 'volume=3.00dB', false);
    expect(chainOf(sound, '-af')).toBe('volume=3.00dB,aresample=48000,aformat=sample_rates=48000:channel_layouts=mono');
    expect(chainOf(sound, '-ac')).toBe('1');
    // loudnorm's result is measured on the way out; a plain gain's is known without measuring.
    expect(chainOf(soundArgs('/v.mp4', '/w/s.m4a', copied, 'loudnorm=I=-16', true), '-af')).toMatch(/^loudnorm=I=-16,.*,ebur128=peak=true/);
  });

  const outputs = { video: '/w/picture.part.mp4', poster: '/w/poster.jpg', thumbnail: '/w/thumbnail.jpg' };

  it('a copy decodes its picture for the checks only: no deblocking, two frame threads, no poster from that decode', () => {
    const plan = planPreparation(probe(), 'copy', null, { hasCaptions: false });
    const copy = pictureArgs('/v.mp4', outputs, probe(), plan, 1e9);
    const beforeInput = copy.slice(0, copy.indexOf('-i'));
    expect(beforeInput).toEqual(expect.arrayContaining(['-skip_loop_filter', 'all', '-threads', '2']));
    expect(copy.join(' ')).not.toMatch(/poster|thumbnail|\.jpg/);
    expect(copy.slice(-1)).toEqual(['pipe:1']);
    // The sound is copied as it came, for when it needs no gain; the mux writes the published file, index first.
    expect(copy.join(' ')).toContain('-map 0:a:0 -c:a copy');
    expect(copy).not.toContain('+faststart');
    // A transcode's decode feeds the encode and the poster: it keeps the loop filter and its threads, and has no sound.
    const transcode = pictureArgs('/v.mp4', outputs, probe(), { ...plan, encode: 'transcode' }, 1e9);
    expect(transcode).not.toContain('-skip_loop_filter');
    expect(transcode).toContain('file:/w/poster.jpg');
    expect(transcode).toContain('-an');
    // Without the checks (or when the run with them failed) a transcode is one run with its sound, its pictures and
    // no frames for the checks.
    const plain = transcodeArgs('/v.mp4', outputs, probe(), { ...plan, encode: 'transcode' }, 1e9);
    expect(plain.join(' ')).toContain('-map 0:a:0');
    expect(plain).not.toContain('pipe:1');
  });

  it('joins the picture and the sound keeping the timestamps both runs wrote', () => {
    const plan = planPreparation(probe(), 'copy', null, { hasCaptions: false });
    const withSound = muxArgs('/w/p.mp4', '/w/s.m4a', '/w/video.mp4', plan, 1e9);
    expect(withSound).toContain('-copyts');
    expect(withSound.join(' ')).toMatch(/-map 0:v:0 -map 1:a:0 -c copy/);
    expect(withSound).toContain('+faststart');
    expect(muxArgs('/w/p.mp4', null, '/w/video.mp4', plan, 1e9).join(' ')).toMatch(/-map 0:v:0 -map 0:a:0 -c copy/);
    expect(muxArgs('/w/p.mp4', null, '/w/video.mp4', { ...plan, audio: false }, 1e9)).toContain('-an');
  });

  it('knows the published picture size without probing it again', () => {
    expect(encodedSize({ width: 3840, height: 2160, rotation: 0 }, 'transcode')).toEqual({ width: 1920, height: 1080 });
    expect(encodedSize({ width: 1920, height: 1080, rotation: 90 }, 'transcode')).toEqual({ width: 1080, height: 1920 });
    expect(encodedSize({ width: 1366, height: 767, rotation: 0 }, 'transcode')).toEqual({ width: 1366, height: 766 });
    expect(encodedSize({ width: 4000, height: 1000, rotation: 0 }, 'transcode')).toEqual({ width: 1920, height: 480 });
    expect(encodedSize({ width: 1920, height: 1080, rotation: 90 }, 'copy')).toEqual({ width: 1920, height: 1080 });
  });

  it('lays the storyboard sprite out up to 10 across', () => {
    expect(spriteGrid(1)).toEqual({ columns: 1, rows: 1 });
    expect(spriteGrid(23)).toEqual({ columns: 10, rows: 3 });
    expect(spriteGrid(60)).toEqual({ columns: 10, rows: 6 });
  });
});

describe('loudness', () => {
  const m = (integrated: number, truePeak: number) => ({ integrated, truePeak, range: 3, threshold: integrated - 10 });
  it('keeps a track already at −16 ±1 LUFS with its peak under −1 dBTP, normalises the rest', () => {
    expect(planLoudness(m(-16.5, -3))).toEqual({ kind: 'keep' });
    expect(planLoudness(m(-16.5, -0.5))).toEqual({ kind: 'normalise', targetLufs: -16 });
    expect(planLoudness(m(-9, -0.1))).toEqual({ kind: 'normalise', targetLufs: -16 });
    expect(planLoudness(m(-30, -12))).toEqual({ kind: 'normalise', targetLufs: -16 });
  });
  it('never raises by more than 20 dB, and leaves silence alone', () => {
    expect(planLoudness(m(-50, -40))).toEqual({ kind: 'normalise', targetLufs: -30 });
    expect(planLoudness(m(Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY))).toEqual({ kind: 'silent' });
    expect(planLoudness(m(-75, -60))).toEqual({ kind: 'silent' });
    expect(gainFor(m(-70, Number.NEGATIVE_INFINITY))).toBeNull();
    expect(gainFor(m(-16.2, -4))).toBeNull();
    expect(gainFor(undefined)).toBeNull();
  });
  it('applies a plain gain when the peaks allow it, loudnorm with the measurement when they would clip', () => {
    // A plain gain moves the level and the peak by its own decibels: what the published sound measures is known.
    expect(gainTo(m(-30, -20), -16)).toEqual({ filter: 'volume=14.00dB', expected: { integrated: -16, truePeak: -6 } });
    expect(gainTo(m(-9, -0.1), -16)).toEqual({ filter: 'volume=-7.00dB', expected: { integrated: -16, truePeak: -7.1 } });
    expect(gainTo(m(-21.814, -19.1), -16).expected!.integrated).toBeCloseTo(-16.004, 3);
    // +14 dB would bring a −3 dBTP peak to +11: the limiter's pass, fed the first measurement; its result is measured.
    const limited = gainTo(m(-30, -3), -16);
    expect(limited.expected).toBeNull();
    expect(limited.filter).toMatch(/^loudnorm=I=-16:TP=-1.5:LRA=11:measured_I=-30.00:measured_TP=-3.00:measured_LRA=3.00:measured_thresh=-40.00:offset=0/);
  });
  it('reads ebur128\'s summary, the last in the log', () => {
    const summary = (i: string, peak: string) =>
      `[Parsed_ebur128_0 @ 0x1] Summary:\n\n  Integrated loudness:\n    I:         ${i} LUFS\n    Threshold: -31.8 LUFS\n\n` +
      `  Loudness range:\n    LRA:         4.2 LU\n    Threshold: -41.8 LUFS\n    LRA low:   -24.0 LUFS\n    LRA high:  -19.8 LUFS\n\n` +
      `  True peak:\n    Peak:      ${peak} dBFS\n`;
    expect(parseEbur128Summary(summary('-99.0', '-50.0') + summary('-21.8', '-16.1'))).toEqual({ integrated: -21.8, threshold: -31.8, range: 4.2, truePeak: -16.1 });
    expect(parseEbur128Summary(summary('-70.0', '-inf'))?.truePeak).toBe(Number.NEGATIVE_INFINITY);
    expect(parseEbur128Summary('no report')).toBeUndefined();
  });
});

describe('storyboard points', () => {
  it('scores cuts, not steady motion', () => {
    expect(sceneScore(60, 2)).toBeCloseTo(0.58);
    expect(sceneScore(20, 20)).toBe(0);
  });
  it('takes the first frame, cuts at least 2 s apart, and a point every 30 s of a still video', () => {
    const p = new ScenePicker(120);
    const picked = [0, 1, 1.5, 4, 40, 75].filter((t) => p.consider(t, t === 0 || t === 75 ? 0 : 0.9));
    expect(picked).toEqual([0, 4, 40, 75]);
  });
  it('spreads at most 60 points over a long video', () => {
    const p = new ScenePicker(3 * 3600);
    let n = 0;
    for (let t = 0; t < 3 * 3600; t += 0.5) if (p.consider(t, 1)) n++;
    expect(n).toBeLessThanOrEqual(60);
    expect(n).toBeGreaterThan(50);
  });
});

describe('approving with a failed flashing check', () => {
  const fail = { flashing: { verdict: 'fail' as const, moments: [{ startSeconds: 75, endSeconds: 80, kind: 'luminance' as const, flashesPerSecond: 5 }] } };
  it('needs the acknowledgement, naming the first moment', () => {
    expect(() => requiredAcknowledgements(fail, [])).toThrow(/1:15/);
    expect(requiredAcknowledgements(fail, ['flashing'])).toEqual(['flashing']);
  });
  it('needs nothing for a pass, a warning or no check', () => {
    expect(requiredAcknowledgements({ flashing: { verdict: 'warning', moments: [] } }, [])).toEqual([]);
    expect(requiredAcknowledgements(undefined, [])).toEqual([]);
  });
});
