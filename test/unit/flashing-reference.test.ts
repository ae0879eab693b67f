/**
 * The flash analyser reads each frame in one fused pass (luminance, red and the scene luma at once, only red
 * pixels written, sums taken while converting). These properties hold it to a straightforward reference — the
 * three separate passes it replaced — on random frames and on flashing series, so the speed-up cannot change a
 * verdict, a moment or a storyboard pick.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AREA_THRESHOLD,
  DARKER_STATE_BELOW,
  FlashAnalyser,
  LUMINANCE_THRESHOLD,
  RED_THRESHOLD,
  judgeFlashes,
  redValue,
  relativeLuminance,
} from '../../src/domain/flashing.js';
import { ScenePicker, sceneScore } from '../../src/domain/scenes.js';
import { frameAnalysis } from '../../src/media/analysis.js';

const NOISE = 0.002;

/** The trend as first written: a full pass over two stored frames of values. */
class ReferenceTrend {
  private sign = 0;
  private accumulated = 0;
  private counted = false;
  private startLevel = 0;
  readonly transitions: number[] = [];

  constructor(
    private readonly threshold: number,
    private readonly darkerBelow: number | null,
  ) {}

  frame(prev: Float32Array, cur: Float32Array, t: number): void {
    let upArea = 0, downArea = 0, upSum = 0, downSum = 0, upPrev = 0, downPrev = 0, upCur = 0, downCur = 0;
    for (let i = 0; i < cur.length; i++) {
      const d = cur[i]! - prev[i]!;
      if (d > NOISE) {
        upArea++;
        upSum += d;
        upPrev += prev[i]!;
        upCur += cur[i]!;
      } else if (d < -NOISE) {
        downArea++;
        downSum += d;
        downPrev += prev[i]!;
        downCur += cur[i]!;
      }
    }
    const up = upArea >= downArea;
    const count = up ? upArea : downArea;
    if (count / cur.length <= AREA_THRESHOLD) return;
    const sign = up ? 1 : -1;
    if (sign !== this.sign) {
      this.sign = sign;
      this.accumulated = 0;
      this.counted = false;
      this.startLevel = (up ? upPrev : downPrev) / count;
    }
    this.accumulated += (up ? upSum : downSum) / count;
    if (this.counted || Math.abs(this.accumulated) < this.threshold) return;
    const after = (up ? upCur : downCur) / count;
    if (this.darkerBelow !== null && Math.min(this.startLevel, after) >= this.darkerBelow) return;
    this.counted = true;
    this.transitions.push(t);
  }
}

/** Transitions by kind and each frame's mean absolute luma difference, by separate passes over every frame. */
function reference(frames: Uint8Array[], pixels: number, fps: number) {
  const luminance = new ReferenceTrend(LUMINANCE_THRESHOLD, DARKER_STATE_BELOW);
  const red = new ReferenceTrend(RED_THRESHOLD, null);
  let prev: { lum: Float32Array; red: Float32Array; luma: Uint8Array } | null = null;
  const lumaDifferences: number[] = [];
  frames.forEach((rgb, index) => {
    const cur = { lum: new Float32Array(pixels), red: new Float32Array(pixels), luma: new Uint8Array(pixels) };
    for (let i = 0; i < pixels; i++) {
      const [r, g, b] = [rgb[3 * i]!, rgb[3 * i + 1]!, rgb[3 * i + 2]!];
      cur.lum[i] = relativeLuminance(r, g, b);
      cur.red[i] = redValue(r, g, b);
      cur.luma[i] = (77 * r + 150 * g + 29 * b) >> 8;
    }
    if (prev) {
      const t = index / fps;
      luminance.frame(prev.lum, cur.lum, t);
      red.frame(prev.red, cur.red, t);
      let sum = 0;
      for (let i = 0; i < pixels; i++) sum += Math.abs(cur.luma[i]! - prev.luma[i]!);
      lumaDifferences.push(sum / pixels);
    } else lumaDifferences.push(0);
    prev = cur;
  });
  return { transitions: { luminance: luminance.transitions, red: red.transitions }, lumaDifferences };
}

type Colour = [number, number, number];
const PALETTE: Colour[] = [
  [0, 0, 0],
  [255, 255, 255],
  [128, 128, 128],
  [235, 235, 235],
  [255, 0, 0],
  [60, 0, 0],
  [200, 30, 20],
  [255, 120, 0],
  [120, 20, 40],
];
const byte = fc.integer({ min: 0, max: 255 });
const colour = fc.oneof(fc.constantFrom(...PALETTE), fc.tuple(byte, byte, byte));
const size = fc.record({ width: fc.integer({ min: 1, max: 12 }), height: fc.integer({ min: 1, max: 8 }) });
const fps = fc.constantFrom(10, 25, 30, 60);

/** Series of random frames: every pixel any colour, every frame. */
const randomSeries = size.chain(({ width, height }) =>
  fc.record({
    width: fc.constant(width),
    height: fc.constant(height),
    fps,
    frames: fc.array(fc.uint8Array({ minLength: width * height * 3, maxLength: width * height * 3 }), {
      minLength: 1,
      maxLength: 40,
    }),
  }),
);

/**
 * Flashing series: states held a few frames each (a background with a box over some share of the picture, in
 * colours that include saturated red and near-red), with a little noise, so that luminance and red transitions,
 * fades, reversals and red appearing and disappearing all occur.
 */
const flashingSeries = size.chain(({ width, height }) =>
  fc
    .record({
      fps,
      seed: fc.integer(),
      states: fc.array(
        fc.record({
          background: colour,
          box: colour,
          boxShare: fc.double({ min: 0, max: 1, noNaN: true }),
          hold: fc.integer({ min: 1, max: 6 }),
          noise: fc.integer({ min: 0, max: 4 }),
        }),
        { minLength: 1, maxLength: 40 },
      ),
    })
    .map(({ fps, seed, states }) => {
      let rand = seed >>> 0;
      const next = () => (rand = (Math.imul(rand, 1664525) + 1013904223) >>> 0);
      const frames: Uint8Array[] = [];
      for (const s of states) {
        const boxPixels = Math.round(s.boxShare * width * height);
        for (let k = 0; k < s.hold; k++) {
          const f = new Uint8Array(width * height * 3);
          for (let i = 0; i < width * height; i++) {
            const c = i < boxPixels ? s.box : s.background;
            for (let ch = 0; ch < 3; ch++) {
              const jitter = s.noise === 0 ? 0 : (next() % (2 * s.noise + 1)) - s.noise;
              f[3 * i + ch] = Math.max(0, Math.min(255, c[ch]! + jitter));
            }
          }
          frames.push(f);
        }
      }
      return { width, height, fps, frames };
    }),
);

type Series = { width: number; height: number; fps: number; frames: Uint8Array[] };

function analyserMatchesReference({ width, height, fps, frames }: Series): void {
  const ref = reference(frames, width * height, fps);
  const analyser = new FlashAnalyser(width, height);
  const lumaDifferences = frames.map((f, i) => analyser.push(f, i / fps));
  expect(analyser.transitions).toEqual(ref.transitions);
  expect(lumaDifferences).toEqual(ref.lumaDifferences);
  expect(analyser.result()).toEqual(judgeFlashes(ref.transitions));
}

/** The worker's reader, fed the frames as one stream cut at arbitrary points, against the reference's picks. */
function frameAnalysisMatchesReference({ width, height, fps, frames }: Series, cuts: number[]): void {
  const ref = reference(frames, width * height, fps);
  const duration = frames.length / fps;
  const picker = new ScenePicker(duration);
  const scenes: { startSeconds: number; rgb: Buffer }[] = [];
  let prevMafd = 0;
  frames.forEach((f, i) => {
    const t = i / fps;
    let score = 0;
    if (i > 0) {
      score = sceneScore(ref.lumaDifferences[i]!, prevMafd);
      prevMafd = ref.lumaDifferences[i]!;
    }
    if (picker.consider(t, score)) scenes.push({ startSeconds: Math.round(t * 100) / 100, rgb: Buffer.from(f) });
  });

  const stream = Buffer.concat(frames);
  const analysis = frameAnalysis({ width, height, fps }, duration);
  let offset = 0;
  for (const cut of [...cuts.map((c) => Math.floor(c * stream.length)).sort((a, b) => a - b), stream.length]) {
    analysis.write(stream.subarray(offset, Math.max(offset, cut)));
    offset = Math.max(offset, cut);
  }
  expect(analysis.finish()).toEqual({ flashing: judgeFlashes(ref.transitions), scenes, frames: frames.length });
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 });

describe('the one-pass flash analyser against the three-pass reference', () => {
  it('agrees on random frames', () => {
    fc.assert(fc.property(randomSeries, analyserMatchesReference), { numRuns: 200 });
  });

  it('agrees on flashing series', () => {
    fc.assert(fc.property(flashingSeries, analyserMatchesReference), { numRuns: 300 });
  });

  it('gives the worker the same flashing verdict and storyboard picks', () => {
    fc.assert(fc.property(fc.oneof(flashingSeries, randomSeries), cuts, frameAnalysisMatchesReference), {
      numRuns: 200,
    });
  });

  it('agrees when saturated red comes, goes and comes back (the red buffers are reused)', () => {
    const W = 4, H = 2;
    const fill = (pattern: Colour[]) => {
      const f = new Uint8Array(W * H * 3);
      for (let i = 0; i < W * H; i++) f.set(pattern[i % pattern.length]!, 3 * i);
      return f;
    };
    const red: Colour = [255, 0, 0], darkRed: Colour = [90, 0, 0], black: Colour = [0, 0, 0];
    const frames = [
      fill([red]), fill([darkRed, black]), fill([black]), fill([black]), fill([red, black, black]),
      fill([black]), fill([darkRed]), fill([red]), fill([black, red]), fill([black]), fill([red]),
    ]; // prettier-ignore
    for (const fps of [10, 30]) analyserMatchesReference({ width: W, height: H, fps, frames });
    // Each frame repeated: red held, then gone for two frames, then back.
    analyserMatchesReference({ width: W, height: H, fps: 30, frames: frames.flatMap((f) => [f, f]) });
  });

  it('compares values as stored (single precision) on steps that reach the threshold only when stored', () => {
    // Found by search: each step is just under its threshold in double precision and at it in single
    // precision, so an analyser that compared unrounded values would find no transitions here.
    const W = 4, H = 2;
    const uniform = (c: Colour) => new Uint8Array(W * H * 3).map((_, i) => c[i % 3]!);
    const pairs: { a: Colour; b: Colour; kind: 'luminance' | 'red' }[] = [
      { a: [10, 10, 10], b: [154, 42, 136], kind: 'luminance' }, // 0.0999999993 vs 0.1000000010
      { a: [79, 0, 29], b: [104, 10, 20], kind: 'red' }, // 19.9999986 vs 20
    ];
    for (const { a, b, kind } of pairs) {
      const frames = Array.from({ length: 30 }, (_, i) => uniform(i % 2 === 0 ? a : b));
      analyserMatchesReference({ width: W, height: H, fps: 10, frames });
      const analyser = new FlashAnalyser(W, H);
      frames.forEach((f, i) => analyser.push(f, i / 10));
      expect(analyser.transitions[kind].length).toBeGreaterThan(0);
    }
  });
});
