import { VettedError } from './errors.js';
import type { FlashResult } from './flashing.js';
import type { WordHit } from './word-screen.js';

/** Loudness of an item's sound: as it came, as published, and the published true peak. */
export interface LoudnessCheck {
  inputLufs: number;
  outputLufs: number;
  truePeakDb: number;
}

/**
 * The vetting aids an item carries (issue 12), kept in the item's `details.vetting` so an item sharing another's
 * media shares its checks too. Scenes name files; URLs are made when presented. Null where a check does not
 * apply or could not run.
 */
export interface VettingChecks {
  flashing: FlashResult | null;
  loudness: LoudnessCheck | null;
  words: WordHit[] | null;
  scenes: Array<{ startSeconds: number; file: string }>;
  /** For operators: which checks could not run and why. Never shown to teachers. */
  notes?: string[];
}

/**
 * Approving an item whose flashing check failed needs the teacher to say they have watched the flagged moments
 * (or trimmed them out): `acknowledge: ["flashing"]`. Returns what was acknowledged, for the audit log.
 */
export function requiredAcknowledgements(vetting: Partial<VettingChecks> | undefined, acknowledge: readonly string[]): string[] {
  const acknowledged: string[] = [];
  if (vetting?.flashing?.verdict === 'fail') {
    if (!acknowledge.includes('flashing')) {
      const first = vetting.flashing.moments[0];
      const at = first ? ` (first at ${Math.floor(first.startSeconds / 60)}:${String(Math.floor(first.startSeconds % 60)).padStart(2, '0')})` : '';
      throw new VettedError(
        'check_acknowledgement_required',
        `This video has flashing images that can trigger seizures in children with photosensitive epilepsy${at}. Watch the flagged moments (or trim them out), then confirm that you have checked them to approve it.`,
        { httpStatus: 409 },
      );
    }
    acknowledged.push('flashing');
  }
  return acknowledged;
}
