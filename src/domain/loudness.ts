/**
 * Even loudness: published media is normalised to −16 LUFS integrated (±1 LU) with a true peak at or below −1 dBTP,
 * the level Apple, Spotify and YouTube's speech guidance use for listening on small speakers (EBU R128 measurement,
 * ffmpeg's `loudnorm` in two passes). A quiet clip is never raised by more than 20 dB, so near-silence does not
 * become hiss.
 */
export const TARGET_LUFS = -16;
export const TOLERANCE_LU = 1;
export const MAX_TRUE_PEAK_DB = -1;
/** loudnorm's own ceiling: half a dB below the limit, since its limiter overshoots by a little. */
export const LIMITER_TRUE_PEAK_DB = -1.5;
export const MAX_GAIN_DB = 20;
/** Below this a track is silence (or as good as): nothing to measure or normalise. */
export const SILENCE_LUFS = -70;

/** loudnorm's first-pass measurement. */
export interface LoudnessMeasurement {
  inputI: number;
  inputTp: number;
  inputLra: number;
  inputThresh: number;
  targetOffset: number;
}

export type LoudnessPlan =
  | { kind: 'silent' }
  | { kind: 'keep' }
  | { kind: 'normalise'; targetLufs: number };

/** What to do with a track measured as `m`: keep it as it is, normalise it (to what), or nothing at all (silence). */
export function planLoudness(m: LoudnessMeasurement): LoudnessPlan {
  if (!Number.isFinite(m.inputI) || m.inputI <= SILENCE_LUFS) return { kind: 'silent' };
  const withinTarget = Math.abs(m.inputI - TARGET_LUFS) <= TOLERANCE_LU;
  const peakOk = !Number.isFinite(m.inputTp) || m.inputTp <= MAX_TRUE_PEAK_DB;
  if (withinTarget && peakOk) return { kind: 'keep' };
  const targetLufs = Math.min(TARGET_LUFS, m.inputI + MAX_GAIN_DB);
  return { kind: 'normalise', targetLufs: Math.round(targetLufs * 10) / 10 };
}

/** The second-pass `loudnorm` filter for a plan (linear gain when the peak allows, else loudnorm's limiter). */
export function loudnormFilter(m: LoudnessMeasurement, targetLufs: number): string {
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '0');
  return (
    `loudnorm=I=${targetLufs}:TP=${LIMITER_TRUE_PEAK_DB}:LRA=11` +
    `:measured_I=${f(m.inputI)}:measured_TP=${f(m.inputTp)}:measured_LRA=${f(m.inputLra)}` +
    `:measured_thresh=${f(m.inputThresh)}:offset=${f(m.targetOffset)}:linear=true:print_format=none`
  );
}

/** Reads loudnorm's JSON report (it prints it to the log after the run). Undefined when there is none. */
export function parseLoudnormReport(log: string): LoudnessMeasurement | undefined {
  const start = log.lastIndexOf('{');
  const end = log.lastIndexOf('}');
  if (start < 0 || end < start) return undefined;
  let raw: Record<string, string>;
  try {
    raw = JSON.parse(log.slice(start, end + 1)) as Record<string, string>;
  } catch {
    return undefined;
  }
  const n = (k: string) => {
    const v = raw[k];
    if (v === undefined) return NaN;
    if (/^-inf/i.test(v)) return Number.NEGATIVE_INFINITY;
    if (/^\+?inf/i.test(v)) return Number.POSITIVE_INFINITY;
    return Number(v);
  };
  if (raw.input_i === undefined) return undefined;
  return {
    inputI: n('input_i'),
    inputTp: n('input_tp'),
    inputLra: n('input_lra'),
    inputThresh: n('input_thresh'),
    targetOffset: n('target_offset'),
  };
}

/** Reads the summary the `ebur128` filter logs at its end: integrated loudness and true peak. */
export function parseEbur128Summary(log: string): { integrated: number; truePeak: number } | undefined {
  const at = log.lastIndexOf('Summary:');
  if (at < 0) return undefined;
  const tail = log.slice(at);
  const i = /I:\s+(-?[\d.]+|-inf)\s+LUFS/.exec(tail);
  const p = /Peak:\s+(-?[\d.]+|-inf)\s+dBFS/.exec(tail);
  if (!i) return undefined;
  const num = (s: string | undefined) => (s === undefined ? NaN : s === '-inf' ? Number.NEGATIVE_INFINITY : Number(s));
  return { integrated: num(i[1]), truePeak: num(p?.[1]) };
}
