/**
 * Even loudness: published media is normalised to −16 LUFS integrated (±1 LU) with a true peak at or below −1 dBTP,
 * the level Apple, Spotify and YouTube's speech guidance use for listening on small speakers (EBU R128 / ITU-R
 * BS.1770 measurement, ffmpeg's `ebur128` filter). A quiet clip is never raised by more than 20 dB, so near-silence
 * does not become hiss.
 *
 * Two passes: the sound is measured first, then the published copy gets one measured gain (`volume`, which keeps
 * the sound's own dynamics) — or, when that gain would push the peaks over the limit, `loudnorm` fed the measurement
 * (its true-peak limiter). A track already within the target is not touched at all.
 */
export const TARGET_LUFS = -16;
export const TOLERANCE_LU = 1;
export const MAX_TRUE_PEAK_DB = -1;
/** The ceiling a gain may bring the peaks to: half a dB below the limit, for the AAC encoder's overshoot. */
export const LIMITER_TRUE_PEAK_DB = -1.5;
export const MAX_GAIN_DB = 20;
/** Below this a track is silence (or as good as): nothing to measure or normalise. */
export const SILENCE_LUFS = -70;

/** A track's loudness as `ebur128` reports it (LUFS, LU, dBTP); −∞ where there was nothing to measure. */
export interface LoudnessMeasurement {
  integrated: number;
  /** The integrated measurement's relative gate (what `loudnorm` calls `measured_thresh`). */
  threshold: number;
  range: number;
  truePeak: number;
}

export type LoudnessPlan =
  | { kind: 'silent' }
  | { kind: 'keep' }
  | { kind: 'normalise'; targetLufs: number };

/** What to do with a track measured as `m`: keep it as it is, normalise it (to what), or nothing at all (silence). */
export function planLoudness(m: LoudnessMeasurement): LoudnessPlan {
  if (!Number.isFinite(m.integrated) || m.integrated <= SILENCE_LUFS) return { kind: 'silent' };
  const withinTarget = Math.abs(m.integrated - TARGET_LUFS) <= TOLERANCE_LU;
  const peakOk = !Number.isFinite(m.truePeak) || m.truePeak <= MAX_TRUE_PEAK_DB;
  if (withinTarget && peakOk) return { kind: 'keep' };
  const targetLufs = Math.min(TARGET_LUFS, m.integrated + MAX_GAIN_DB);
  return { kind: 'normalise', targetLufs: Math.round(targetLufs * 10) / 10 };
}

/**
 * The gain a measured track gets: its filter, and the level the published sound will measure when that is known
 * without measuring it again. A plain `volume` change moves the integrated level and the true peak by exactly its
 * decibels (the same chain measured both), so only `loudnorm`'s limiter, which reshapes the peaks, leaves `expected`
 * null: its result is measured on the way out.
 */
export interface Gain {
  filter: string;
  expected: Pick<LoudnessMeasurement, 'integrated' | 'truePeak'> | null;
}

/**
 * The gain that brings a track measured as `m` to `targetLufs`: a plain gain when the peaks stay under the ceiling
 * (cheap, and the sound keeps its dynamics), else `loudnorm`'s second pass, whose limiter holds them down.
 */
export function gainTo(m: LoudnessMeasurement, targetLufs: number): Gain {
  const gain = targetLufs - m.integrated;
  if (!Number.isFinite(m.truePeak) || m.truePeak + gain <= LIMITER_TRUE_PEAK_DB) {
    const db = Number(gain.toFixed(2));
    return { filter: `volume=${db.toFixed(2)}dB`, expected: { integrated: m.integrated + db, truePeak: m.truePeak + db } };
  }
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '0');
  const filter =
    `loudnorm=I=${targetLufs}:TP=${LIMITER_TRUE_PEAK_DB}:LRA=11` +
    `:measured_I=${f(m.integrated)}:measured_TP=${f(m.truePeak)}:measured_LRA=${f(m.range)}` +
    `:measured_thresh=${f(m.threshold)}:offset=0:linear=true:print_format=none`;
  return { filter, expected: null };
}

/** The gain a measurement needs, or null when the track stays as it is (within target, silent, unmeasured). */
export function gainFor(m: LoudnessMeasurement | undefined): Gain | null {
  if (!m) return null;
  const plan = planLoudness(m);
  return plan.kind === 'normalise' ? gainTo(m, plan.targetLufs) : null;
}

/**
 * Reads the summary the `ebur128` filter logs at its end (the last one in the log). Undefined when there is none.
 *
 *   Integrated loudness:  I: -21.8 LUFS  Threshold: -31.8 LUFS
 *   Loudness range:       LRA: 0.0 LU  Threshold: …  LRA low: …  LRA high: …
 *   True peak:            Peak: -16.1 dBFS
 */
export function parseEbur128Summary(log: string): LoudnessMeasurement | undefined {
  const at = log.lastIndexOf('Summary:');
  if (at < 0) return undefined;
  const tail = log.slice(at);
  const num = (re: RegExp) => {
    const s = re.exec(tail)?.[1];
    return s === undefined ? NaN : /^-inf/.test(s) ? Number.NEGATIVE_INFINITY : Number(s);
  };
  const value = String.raw`(-?[\d.]+|-inf)`;
  const integrated = num(new RegExp(String.raw`I:\s+${value}\s+LUFS`));
  if (Number.isNaN(integrated)) return undefined;
  return {
    integrated,
    threshold: num(new RegExp(String.raw`I:[^\n]*\n\s*Threshold:\s+${value}\s+LUFS`)),
    range: num(new RegExp(String.raw`LRA:\s+${value}\s+LU\b`)),
    truePeak: num(new RegExp(String.raw`Peak:\s+${value}\s+dBFS`)),
  };
}
