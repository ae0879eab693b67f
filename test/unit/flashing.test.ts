import { describe, expect, it } from 'vitest';
import { FlashAnalyser, judgeTransitions, redValue, relativeLuminance } from '../../src/domain/flashing.js';

const W = 16;
const H = 9;

/** A frame filled with one colour, with an optional rectangle (fraction of the width/height) in another colour. */
function frame(bg: [number, number, number], box?: { colour: [number, number, number]; fraction: number }): Uint8Array {
  const out = new Uint8Array(W * H * 3);
  const bw = box ? Math.round(W * Math.sqrt(box.fraction)) : 0;
  const bh = box ? Math.round(H * Math.sqrt(box.fraction)) : 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const c = box && x < bw && y < bh ? box.colour : bg;
      out.set(c, (y * W + x) * 3);
    }
  }
  return out;
}

const BLACK: [number, number, number] = [0, 0, 0];
const WHITE: [number, number, number] = [255, 255, 255];
const RED: [number, number, number] = [255, 0, 0];
const GREY: [number, number, number] = [128, 128, 128];

/** Runs `seconds` of video at `fps`, each frame chosen by `pick(frameIndex, t)`. */
function analyse(fps: number, seconds: number, pick: (i: number, t: number) => Uint8Array) {
  const a = new FlashAnalyser(W, H);
  for (let i = 0; i < fps * seconds; i++) a.push(pick(i, i / fps), i / fps);
  return a.result();
}

/** Alternates two frames `hz` times a second (each state held 1/(2·hz) s): hz flashes a second. */
const alternating = (fps: number, hz: number, a: Uint8Array, b: Uint8Array) => (i: number) =>
  Math.floor((i / fps) * hz * 2) % 2 === 0 ? a : b;

describe('luminance and red values', () => {
  it('follows the sRGB relative luminance formula', () => {
    expect(relativeLuminance(0, 0, 0)).toBe(0);
    expect(relativeLuminance(255, 255, 255)).toBeCloseTo(1, 5);
    expect(relativeLuminance(128, 128, 128)).toBeCloseTo(0.2158, 3);
  });
  it('gives a red value only to saturated red', () => {
    expect(redValue(255, 0, 0)).toBeCloseTo(320, 0);
    expect(redValue(255, 255, 255)).toBe(0);
    expect(redValue(200, 120, 120)).toBe(0);
  });
});

describe('flash analyser', () => {
  it('fails full-frame black/white flashing at 5 a second', () => {
    const r = analyse(30, 4, alternating(30, 5, frame(BLACK), frame(WHITE)));
    expect(r.verdict).toBe('fail');
    expect(r.moments[0]!.kind).toBe('luminance');
    expect(r.moments[0]!.flashesPerSecond).toBeGreaterThan(3);
    expect(r.moments[0]!.startSeconds).toBeLessThan(0.5);
    expect(r.moments[0]!.endSeconds).toBeGreaterThan(3);
  });

  it('passes the same flashing in a small area (under 25% of the picture)', () => {
    const on = frame(BLACK, { colour: WHITE, fraction: 0.1 });
    const r = analyse(30, 4, alternating(30, 5, frame(BLACK), on));
    expect(r.verdict).toBe('pass');
  });

  it('counts flashing over more than a quarter of the picture', () => {
    const on = frame(BLACK, { colour: WHITE, fraction: 0.4 });
    expect(analyse(30, 4, alternating(30, 5, frame(BLACK), on)).verdict).toBe('fail');
  });

  it('passes low-contrast flicker (changes under 0.1)', () => {
    const r = analyse(30, 4, alternating(30, 6, frame([120, 120, 120]), frame([135, 135, 135])));
    expect(r.verdict).toBe('pass');
  });

  it('passes flicker between two bright states (the darker one at or above 0.8)', () => {
    const r = analyse(30, 4, alternating(30, 6, frame([235, 235, 235]), frame(WHITE)));
    expect(r.verdict).toBe('pass');
  });

  it('fails saturated red flashing, reported as red', () => {
    const r = analyse(30, 3, alternating(30, 5, frame(RED), frame([60, 0, 0])));
    expect(r.verdict).toBe('fail');
    expect(r.moments.some((m) => m.kind === 'red')).toBe(true);
  });

  it('passes three flashes a second in a single second (not more than 3)', () => {
    // 3 flashes = 6 transitions in the second, then still.
    const r = analyse(30, 3, (i, t) => (t < 1 ? alternating(30, 3, frame(BLACK), frame(WHITE))(i) : frame(BLACK)));
    expect(r.verdict).toBe('pass');
  });

  it('warns for 2–3 flashes a second sustained over 4 of 5 seconds', () => {
    const r = analyse(30, 6, alternating(30, 2.5, frame(BLACK), frame(WHITE)));
    expect(r.verdict).toBe('warning');
    expect(r.moments[0]!.flashesPerSecond).toBeGreaterThanOrEqual(2);
  });

  it('does not warn for 2 flashes a second lasting only 2 seconds', () => {
    const r = analyse(30, 6, (i, t) => (t < 2 ? alternating(30, 2.5, frame(BLACK), frame(WHITE))(i) : frame(GREY)));
    expect(r.verdict).toBe('pass');
  });

  it('counts a fade over several frames as one transition, so slow fades pass', () => {
    // Black to white and back over a second each: two transitions a... 2 seconds, no flashing.
    const level = (t: number) => Math.round(255 * (t % 2 < 1 ? t % 1 : 1 - (t % 1)));
    const r = analyse(30, 8, (_i, t) => frame([level(t), level(t), level(t)]));
    expect(r.verdict).toBe('pass');
  });

  it('catches a fast fade-based flash (each step under 0.1, the swing over it)', () => {
    // 6 flashes a second made of 2-frame ramps at 60 fps: each frame moves part of the swing.
    const steps = [0, 120, 255, 120, 0];
    const r = analyse(60, 3, (i) => {
      const v = steps[i % 4]!;
      return frame([v, v, v]);
    });
    expect(r.verdict).toBe('fail');
  });

  it('passes still footage and a single frame', () => {
    expect(analyse(25, 3, () => frame(GREY)).verdict).toBe('pass');
    expect(analyse(1, 1, () => frame(WHITE)).verdict).toBe('pass');
  });
});

describe('judging transitions', () => {
  it('fails at 7 transitions inside one second and merges overlapping windows', () => {
    const times = Array.from({ length: 20 }, (_, i) => i * 0.1);
    const { fail } = judgeTransitions(times, 'luminance');
    expect(fail).toHaveLength(1);
    expect(fail[0]!.startSeconds).toBe(0);
    expect(fail[0]!.endSeconds).toBeCloseTo(1.9);
  });
  it('does not fail at 6 transitions in a second', () => {
    const times = [0, 0.15, 0.3, 0.45, 0.6, 0.75, 1.5];
    expect(judgeTransitions(times, 'luminance').fail).toHaveLength(0);
  });
});
