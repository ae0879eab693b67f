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
 * One frame's change in one kind of value, over the pixels that moved one way (up or down) by more than the noise:
 * how many there are, and the sums of their change, of their previous value and of their new value.
 */
interface AreaChange {
  pixels: number;
  change: number;
  before: number;
  after: number;
}

const noChange = (): AreaChange => ({ pixels: 0, change: 0, before: 0, after: 0 });

/**
 * Follows one kind of change (luminance or red) frame by frame and reports the times of its transitions.
 * `frame` gets the frame's rising and falling areas out of `pixels`, summed by the analyser as it converts the frame.
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

  frame(up: AreaChange, down: AreaChange, pixels: number, t: number): void {
    const rising = up.pixels >= down.pixels;
    const moved = rising ? up : down;
    if (moved.pixels / pixels <= AREA_THRESHOLD) return;
    const change = moved.change / moved.pixels;
    const before = moved.before / moved.pixels;
    const after = moved.after / moved.pixels;
    const sign = rising ? 1 : -1;
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
 *
 * This runs beside ffmpeg on every frame of every video, so each frame is read once: one loop converts each pixel
 * and compares it at once with the previous frame's value, giving the trends their sums without a second pass. The
 * same loop measures the luma difference the storyboard's scene score needs (see `push`), saving a third pass.
 */
export class FlashAnalyser {
  private readonly pixels: number;
  private prevLum: Float32Array;
  private curLum: Float32Array;
  private prevRed: Float32Array;
  private curRed: Float32Array;
  private prevLuma: Uint8Array;
  private curLuma: Uint8Array;
  private frames = 0;
  private prevHadRed = false;
  /** Whether the red buffer this frame writes into still holds saturated red from two frames ago. */
  private staleRed = false;
  private readonly luminance = new TrendTracker(LUMINANCE_THRESHOLD, DARKER_STATE_BELOW);
  private readonly red = new TrendTracker(RED_THRESHOLD, null);
  /** The last frame's change, kept from frame to frame so that a frame allocates nothing. */
  private readonly change = new FrameChange();

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = width * height;
    this.prevLum = new Float32Array(this.pixels);
    this.curLum = new Float32Array(this.pixels);
    this.prevRed = new Float32Array(this.pixels);
    this.curRed = new Float32Array(this.pixels);
    this.prevLuma = new Uint8Array(this.pixels);
    this.curLuma = new Uint8Array(this.pixels);
  }

  get frameCount(): number {
    return this.frames;
  }

  /** The times of the transitions found so far, by kind. */
  get transitions(): { luminance: readonly number[]; red: readonly number[] } {
    return { luminance: this.luminance.transitions, red: this.red.transitions };
  }

  /**
   * Adds a frame. Returns the mean absolute difference of its luma from the previous frame's (0 for the first
   * frame), luma being BT.601 on the 8-bit values as ffmpeg's scene measure has it: the storyboard's scene score
   * (scenes.ts) is made of it, and this pass already reads every pixel.
   */
  push(rgb: Uint8Array, t: number): number {
    if (rgb.length < this.pixels * 3) throw new Error('flash analyser: short frame');
    // Most frames have no saturated red: the pass writes only red pixels, on a buffer cleared when it needs it.
    if (this.staleRed) this.curRed.fill(0);
    const change = this.change;
    this.compare(rgb);
    if (this.frames > 0) {
      this.luminance.frame(change.lumUp, change.lumDown, this.pixels, t);
      // Two frames without any saturated red have no red change at all.
      if (change.anyRed || this.prevHadRed) this.red.frame(change.redUp, change.redDown, this.pixels, t);
    }
    const lumaDifference = this.frames > 0 ? change.lumaDifference / this.pixels : 0;
    this.frames++;
    this.staleRed = this.prevHadRed;
    this.prevHadRed = change.anyRed;
    [this.prevLum, this.curLum] = [this.curLum, this.prevLum];
    [this.prevRed, this.curRed] = [this.curRed, this.prevRed];
    [this.prevLuma, this.curLuma] = [this.curLuma, this.prevLuma];
    return lumaDifference;
  }

  result(): FlashResult {
    return judgeFlashes({ luminance: this.luminance.transitions, red: this.red.transitions });
  }

  /**
   * The pass over one frame: stores each pixel's luminance, red value (where not 0: the buffer holds zeros) and
   * luma, and sums into `change` how they differ from the previous frame's. Values are compared as stored (single
   * precision), so the sums are exactly those of comparing the two stored frames.
   *
   * Nothing follows the loop but storing the sums: V8 compiles a long loop while it runs (on-stack replacement),
   * before the code after the loop has ever run, and such code could then deoptimise on every frame.
   */
  private compare(rgb: Uint8Array): void {
    const { prevLum, curLum: lum, prevRed, curRed: red, prevLuma, curLuma: luma, prevHadRed } = this;
    const n = this.pixels;
    // Locals rather than fields in the loop: V8 keeps them in registers.
    let lumUpPixels = 0, lumUpChange = 0, lumUpBefore = 0, lumUpAfter = 0;
    let lumDownPixels = 0, lumDownChange = 0, lumDownBefore = 0, lumDownAfter = 0;
    let redUpPixels = 0, redUpChange = 0, redUpBefore = 0, redUpAfter = 0;
    let redDownPixels = 0, redDownChange = 0, redDownBefore = 0, redDownAfter = 0;
    let lumaDifference = 0;
    let anyRed = false;
    for (let i = 0, p = 0; i < n; i++, p += 3) {
      const r = rgb[p]!;
      const g = rgb[p + 1]!;
      const b = rgb[p + 2]!;

      // Scene luma: integers throughout.
      const y = (77 * r + 150 * g + 29 * b) >> 8;
      lumaDifference += Math.abs(y - prevLuma[i]!);
      luma[i] = y;

      const after = Math.fround(LUM_R[r]! + LUM_G[g]! + LUM_B[b]!);
      const before = prevLum[i]!;
      lum[i] = after;
      const d = after - before;
      if (d > NOISE) {
        lumUpPixels++;
        lumUpChange += d;
        lumUpBefore += before;
        lumUpAfter += after;
      } else if (d < -NOISE) {
        lumDownPixels++;
        lumDownChange += d;
        lumDownBefore += before;
        lumDownAfter += after;
      }

      // Red changes only where a pixel is saturated red in this frame or the last; only red can be saturated red.
      const redDominant = r > g && r > b;
      if (!redDominant && !prevHadRed) continue;
      const v = redDominant ? redValue(r, g, b) : 0;
      const redBefore = prevRed[i]!;
      if (v === 0 && redBefore === 0) continue;
      const redAfter = Math.fround(v);
      if (v > 0) {
        red[i] = redAfter;
        anyRed = true;
      }
      const dr = redAfter - redBefore;
      if (dr > NOISE) {
        redUpPixels++;
        redUpChange += dr;
        redUpBefore += redBefore;
        redUpAfter += redAfter;
      } else if (dr < -NOISE) {
        redDownPixels++;
        redDownChange += dr;
        redDownBefore += redBefore;
        redDownAfter += redAfter;
      }
    }
    const change = this.change;
    setChange(change.lumUp, lumUpPixels, lumUpChange, lumUpBefore, lumUpAfter);
    setChange(change.lumDown, lumDownPixels, lumDownChange, lumDownBefore, lumDownAfter);
    setChange(change.redUp, redUpPixels, redUpChange, redUpBefore, redUpAfter);
    setChange(change.redDown, redDownPixels, redDownChange, redDownBefore, redDownAfter);
    change.anyRed = anyRed;
    change.lumaDifference = lumaDifference;
  }
}

/** One frame's change from the previous: luminance and red (rising and falling), and the summed luma difference. */
class FrameChange {
  readonly lumUp = noChange();
  readonly lumDown = noChange();
  readonly redUp = noChange();
  readonly redDown = noChange();
  anyRed = false;
  lumaDifference = 0;
}

function setChange(into: AreaChange, pixels: number, change: number, before: number, after: number): void {
  into.pixels = pixels;
  into.change = change;
  into.before = before;
  into.after = after;
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
