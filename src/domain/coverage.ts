/**
 * How much of a clip or a page a reviewer has seen, from the ranges the desk reports as it plays.
 * Pure: the desk reports `[start, end]` pairs (seconds of the clip for a video, fractions 0–1 of the
 * page for a web page); the service stores their union and asks here whether approval may follow.
 */
export type Range = readonly [number, number];

/** The share of a clip or page that must have been seen before approval (issue 15: 95 %). */
export const REQUIRED_COVERAGE = 0.95;

/**
 * Ranges cut to `[0, length]`, sorted and merged where they touch or overlap (a gap smaller than
 * `joinGap` counts as touching: the desk reports every few seconds and a seek of a frame is not a gap).
 * Reversed, empty and non-finite ranges are dropped.
 */
export function mergeRanges(ranges: readonly Range[], length: number, joinGap = 0): Array<[number, number]> {
  if (!(length > 0)) return [];
  const clean = ranges
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b))
    .map(([a, b]) => [Math.max(0, Math.min(a, length)), Math.max(0, Math.min(b, length))] as [number, number])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const r of clean) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + joinGap) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** The share (0–1) of `[0, length]` that the ranges cover. */
export function coverage(ranges: readonly Range[], length: number): number {
  if (!(length > 0)) return 0;
  const seen = mergeRanges(ranges, length).reduce((sum, [a, b]) => sum + (b - a), 0);
  return Math.min(1, seen / length);
}

/** How much of `added` is not already in `known` (in the same units), to bound what one report may claim. */
export function newlyCovered(known: readonly Range[], added: readonly Range[], length: number): number {
  const before = mergeRanges(known, length).reduce((s, [a, b]) => s + (b - a), 0);
  const after = mergeRanges([...known, ...added], length).reduce((s, [a, b]) => s + (b - a), 0);
  return Math.max(0, after - before);
}

/**
 * Playing at up to twice the normal speed counts (issue 15); a report claiming more new seconds than
 * twice the time since the previous one, plus some slack for a report that was late or lost, does not.
 */
export const MAX_PLAYBACK_RATE = 2;
export const REPORT_SLACK_SECONDS = 20;

export function plausibleGain(gainSeconds: number, secondsSinceLastReport: number): boolean {
  return gainSeconds <= MAX_PLAYBACK_RATE * Math.max(0, secondsSinceLastReport) + REPORT_SLACK_SECONDS;
}

export interface WatchRule {
  /** The school setting: approval only after watching (on by default). */
  required: boolean;
  coverage: number;
  acknowledgedElsewhere: boolean;
}

/** Whether this reviewer may approve now, and if not, why not (for the 409). */
export function mayApprove(rule: WatchRule): { ok: true; via: 'not_required' | 'watched' | 'acknowledged' } | { ok: false } {
  if (!rule.required) return { ok: true, via: 'not_required' };
  if (rule.coverage >= REQUIRED_COVERAGE - 1e-9) return { ok: true, via: 'watched' };
  if (rule.acknowledgedElsewhere) return { ok: true, via: 'acknowledged' };
  return { ok: false };
}
