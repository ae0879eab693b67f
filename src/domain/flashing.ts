/**
 * The flashing-image rules (photosensitive epilepsy), as broadcasters screen for them: Ofcom's guidance note,
 * ITU-R BT.1702 and WCAG 2.3.1, the same criteria EA's open-source IRIS analyser implements.
 *
 * - A luminance transition is a change in relative luminance (sRGB → linear, 0.2126 R + 0.7152 G + 0.0722 B) of
 *   at least 0.1 where the darker state is below 0.8. A red transition is a change to or from saturated red
 *   (R/(R+G+B) ≥ 0.8) with a change in (R − G − B) × 320 above 20 (WCAG's red flash threshold).
 * - A change only counts when the changing area is more than 25% of the picture.
 * - A flash is a pair of opposing transitions. More than 3 flashes (more than 6 transitions) within any one second
 *   is a fail; 2–3 flashes a second in at least 4 seconds of any 5 is a warning (Ofcom's extended flashing).
 *
 * Frames arrive one at a time (rgb24 at a small size) so a three-hour video is analysed in flat memory. Gradual
 * changes are followed as a trend: successive frame changes in the same direction add up until they reach the
 * threshold, so a fade over several frames is one transition, as in IRIS.
 */

export type FlashKind = 'luminance' | 'red';
export type FlashVerdict = 'pass' | 'warning' | 'fail';

export interface FlashMoment {
  startSeconds: number;
  endSeconds: number;
  kind: FlashKind;
  flashesPerSecond: number;
}

export interface FlashResult {
  verdict: FlashVerdict;
  moments: FlashMoment[];
}

export const LUMINANCE_THRESHOLD = 0.1;
export const DARKER_STATE_BELOW = 0.8;
export const RED_SATURATION = 0.8;
export const RED_THRESHOLD = 20;
export const AREA_THRESHOLD = 0.25;
/** More than 3 flashes in a second: 7 transitions or more. */
const FAIL_TRANSITIONS_PER_SECOND = 7;
/** 2 flashes a second (4 transitions) counts towards extended flashing. */
const WARNING_TRANSITIONS_PER_SECOND = 4;
const WARNING_SECONDS = 4;
const WARNING_SPAN = 5;
/** Per-frame changes smaller than this are noise: they neither add to nor break a trend. */
const NOISE = 0.002;
const MAX_MOMENTS = 50;

/** sRGB 8-bit value → linear light, once for all 256 values; and each channel's share of the luminance. */
const LINEAR = new Float32Array(256);
const LUM_R = new Float32Array(256);
const LUM_G = new Float32Array(256);
const LUM_B = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  const c = i / 255;
  LINEAR[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  LUM_R[i] = 0.2126 * LINEAR[i]!;
  LUM_G[i] = 0.7152 * LINEAR[i]!;
  LUM_B[i] = 0.0722 * LINEAR[i]!;
}

/** Relative luminance of one sRGB pixel. */
export function relativeLuminance(r: number, g: number, b: number): number {
  return LUM_R[r]! + LUM_G[g]! + LUM_B[b]!;
}

/** WCAG's red value: (R − G − B) × 320 of the linear values, 0 unless the pixel is saturated red. */
export function redValue(r: number, g: number, b: number): number {
  // Saturated red needs R ≥ 4 (G + B) in linear light, so red must be the largest sRGB value: most pixels stop here.
  if (r <= g || r <= b) return 0;
  const R = LINEAR[r]!;
  const G = LINEAR[g]!;
  const B = LINEAR[b]!;
  const sum = R + G + B;
  if (sum <= 0 || R / sum < RED_SATURATION) return 0;
  return Math.max(0, (R - G - B) * 320);
}

/**
 * Follows one kind of change (luminance or red) frame by frame and reports the times of its transitions.
 * `frameChange` gets the per-pixel values of the previous and current frame.
 */
class TrendTracker {
  private sign = 0;
  private accumulated = 0;
  private counted = false;
  /** Mean value of the changing area when the trend began (the state the change leaves). */
  private startLevel = 0;
  readonly transitions: number[] = [];

  constructor(
    private readonly threshold: number,
    private readonly darkerBelow: number | null,
  ) {}

  frame(prev: Float32Array, cur: Float32Array, t: number): void {
    const n = cur.length;
    let upArea = 0;
    let downArea = 0;
    let upSum = 0;
    let downSum = 0;
    let upPrev = 0;
    let downPrev = 0;
    let upCur = 0;
    let downCur = 0;
    for (let i = 0; i < n; i++) {
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
    const area = (up ? upArea : downArea) / n;
    if (area <= AREA_THRESHOLD) return;
    const count = up ? upArea : downArea;
    const change = (up ? upSum : downSum) / count;
    const before = (up ? upPrev : downPrev) / count;
    const after = (up ? upCur : downCur) / count;
    const sign = up ? 1 : -1;
    if (sign !== this.sign) {
      this.sign = sign;
      this.accumulated = 0;
      this.counted = false;
      this.startLevel = before;
    }
    this.accumulated += change;
    if (this.counted || Math.abs(this.accumulated) < this.threshold) return;
    if (this.darkerBelow !== null && Math.min(this.startLevel, after) >= this.darkerBelow) return;
    this.counted = true;
    this.transitions.push(t);
  }
}

/**
 * Turns transition times into flash moments: a fail where any one-second window holds more than 6 transitions,
 * a warning where at least 4 of 5 consecutive whole seconds each hold 4 or more.
 */
export function judgeTransitions(times: number[], kind: FlashKind): { fail: FlashMoment[]; warning: FlashMoment[] } {
  const fail: FlashMoment[] = [];
  // Sliding one-second windows starting at each transition; overlapping windows merge into one moment.
  for (let i = 0, j = 0; i < times.length; i++) {
    while (j < times.length && times[j]! < times[i]! + 1) j++;
    const inWindow = j - i;
    if (inWindow < FAIL_TRANSITIONS_PER_SECOND) continue;
    const start = times[i]!;
    const end = times[j - 1]!;
    const rate = Math.round((inWindow / 2) * 10) / 10;
    const last = fail[fail.length - 1];
    if (last && start <= last.endSeconds) {
      last.endSeconds = Math.max(last.endSeconds, end);
      last.flashesPerSecond = Math.max(last.flashesPerSecond, rate);
    } else fail.push({ startSeconds: start, endSeconds: end, kind, flashesPerSecond: rate });
  }
  const warning: FlashMoment[] = [];
  if (times.length > 0) {
    const perSecond = new Map<number, number>();
    for (const t of times) perSecond.set(Math.floor(t), (perSecond.get(Math.floor(t)) ?? 0) + 1);
    const lastSecond = Math.floor(times[times.length - 1]!);
    const busy = (s: number) => (perSecond.get(s) ?? 0) >= WARNING_TRANSITIONS_PER_SECOND;
    // A window with enough busy seconds still has them all when it is moved to start at its first busy one.
    for (let s = Math.floor(times[0]!); s <= lastSecond; s++) {
      let busySeconds = 0;
      let transitions = 0;
      for (let k = s; k < s + WARNING_SPAN; k++) {
        if (busy(k)) busySeconds++;
        transitions += perSecond.get(k) ?? 0;
      }
      if (busySeconds < WARNING_SECONDS) continue;
      const rate = Math.round((transitions / 2 / WARNING_SPAN) * 10) / 10;
      const last = warning[warning.length - 1];
      if (last && s <= last.endSeconds) {
        last.endSeconds = Math.max(last.endSeconds, s + WARNING_SPAN);
        last.flashesPerSecond = Math.max(last.flashesPerSecond, rate);
      } else warning.push({ startSeconds: s, endSeconds: s + WARNING_SPAN, kind, flashesPerSecond: rate });
    }
  }
  return { fail, warning };
}

/**
 * Streaming analyser: `push` each frame (rgb24, width × height, in display order) with its time; `result` at the
 * end. Holds two frames of per-pixel values, whatever the length of the video.
 */
export class FlashAnalyser {
  private readonly pixels: number;
  private prevLum: Float32Array;
  private curLum: Float32Array;
  private prevRed: Float32Array;
  private curRed: Float32Array;
  private frames = 0;
  private prevHadRed = false;
  private readonly luminance = new TrendTracker(LUMINANCE_THRESHOLD, DARKER_STATE_BELOW);
  private readonly red = new TrendTracker(RED_THRESHOLD, null);

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = width * height;
    this.prevLum = new Float32Array(this.pixels);
    this.curLum = new Float32Array(this.pixels);
    this.prevRed = new Float32Array(this.pixels);
    this.curRed = new Float32Array(this.pixels);
  }

  get frameCount(): number {
    return this.frames;
  }

  push(rgb: Uint8Array, t: number): void {
    if (rgb.length < this.pixels * 3) throw new Error('flash analyser: short frame');
    const lum = this.curLum;
    const red = this.curRed;
    let anyRed = false;
    for (let i = 0, p = 0; i < this.pixels; i++, p += 3) {
      const r = rgb[p]!;
      const g = rgb[p + 1]!;
      const b = rgb[p + 2]!;
      lum[i] = LUM_R[r]! + LUM_G[g]! + LUM_B[b]!;
      const v = r > g && r > b ? redValue(r, g, b) : 0;
      red[i] = v;
      if (v > 0) anyRed = true;
    }
    if (this.frames > 0) {
      this.luminance.frame(this.prevLum, lum, t);
      // Two frames without any saturated red have no red change at all: the red trend would skip the frame anyway.
      if (anyRed || this.prevHadRed) this.red.frame(this.prevRed, red, t);
    }
    this.frames++;
    this.prevHadRed = anyRed;
    [this.prevLum, this.curLum] = [this.curLum, this.prevLum];
    [this.prevRed, this.curRed] = [this.curRed, this.prevRed];
  }

  result(): FlashResult {
    return judgeFlashes({ luminance: this.luminance.transitions, red: this.red.transitions });
  }
}

/** The verdict from both kinds of transitions: any fail moment fails, else any warning moment warns. */
export function judgeFlashes(transitions: { luminance: number[]; red: number[] }): FlashResult {
  const lum = judgeTransitions(transitions.luminance, 'luminance');
  const red = judgeTransitions(transitions.red, 'red');
  const fails = [...lum.fail, ...red.fail].sort((a, b) => a.startSeconds - b.startSeconds);
  const round = (m: FlashMoment): FlashMoment => ({
    ...m,
    startSeconds: Math.round(m.startSeconds * 100) / 100,
    endSeconds: Math.round(m.endSeconds * 100) / 100,
  });
  if (fails.length > 0) return { verdict: 'fail', moments: fails.slice(0, MAX_MOMENTS).map(round) };
  const warnings = [...lum.warning, ...red.warning].sort((a, b) => a.startSeconds - b.startSeconds);
  if (warnings.length > 0) return { verdict: 'warning', moments: warnings.slice(0, MAX_MOMENTS).map(round) };
  return { verdict: 'pass', moments: [] };
}
