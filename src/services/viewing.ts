import type { AppContext } from '../api-context.js';
import type { ItemRow } from '../db/schema.js';
import { coverage, mayApprove, mergeRanges, newlyCovered, plausibleGain, REQUIRED_COVERAGE, type Range } from '../domain/coverage.js';
import { VettedError } from '../domain/errors.js';
import { itemById } from './items.js';

/**
 * Approval follows watching (issue 15): the desk reports what the reviewer has played, and an item is
 * approved only once that reviewer has seen 95 % of the clip or page, or says they watched it
 * elsewhere (recorded in the audit log). The school can turn the requirement off.
 */
export interface WatchState {
  /** The merged ranges, in seconds of the clip (video) or fractions of the page (web page). */
  ranges: Array<[number, number]>;
  /** 0–1 */
  coverage: number;
  /** The share needed before approval, or null when the school does not require watching. */
  required: number | null;
  met: boolean;
}

/** The length the ranges are measured against: the copy's own length for a video, the whole page (1) for a page. */
function lengthOf(item: ItemRow): number {
  return item.kind === 'webpage' ? 1 : (item.duration_seconds ?? 0);
}

const noCopyToWatch = () =>
  new VettedError('not_reviewable', 'There is no finished copy of this item to watch yet.', { httpStatus: 409 });

export function viewingService(ctx: AppContext) {
  const viewings = ctx.repos.viewings;

  async function required(): Promise<boolean> {
    return (await ctx.repos.settings.get()).approvalNeedsWatching;
  }

  async function state(item: ItemRow, userId: string): Promise<WatchState> {
    const row = await viewings.of(item.id, userId, item.media_generation);
    const ranges = row?.ranges ?? [];
    const cov = coverage(ranges, lengthOf(item));
    const needed = await required();
    return { ranges, coverage: cov, required: needed ? REQUIRED_COVERAGE : null, met: mayApprove({ required: needed, coverage: cov, acknowledgedElsewhere: false }).ok };
  }

  return {
    state,

    /** What this reviewer has played of an item's current copy (for the desk on load). */
    async stateOf(itemId: string, userId: string): Promise<WatchState> {
      return state(await itemById(ctx, itemId), userId);
    },

    /** `record` for an item named by its id (the desk's reports while it plays). */
    async recordFor(itemId: string, userId: string, reported: Range[]): Promise<WatchState> {
      return this.record(await itemById(ctx, itemId), userId, reported);
    },

    /** Adds what the reviewer has just played to what they had played of this copy. */
    async record(item: ItemRow, userId: string, reported: Range[]): Promise<WatchState> {
      if (!item.media || !['awaiting_review', 'approved'].includes(item.status)) throw noCopyToWatch();
      const length = lengthOf(item);
      const row = await viewings.of(item.id, userId, item.media_generation);
      const known = row?.ranges ?? [];
      if (item.kind === 'video') {
        const since = row ? (Date.now() - row.updated_at.getTime()) / 1000 : 0;
        if (!plausibleGain(newlyCovered(known, reported, length), since)) {
          throw new VettedError(
            'viewing_too_fast',
            'That is more of the video than could have been played in the time (up to twice the normal speed counts). Play it on to the end.',
            { httpStatus: 422 },
          );
        }
      }
      // Touching ranges join: the desk reports every few seconds and the seams would otherwise add up.
      const merged = mergeRanges([...known, ...reported], length, item.kind === 'video' ? 0.5 : 0.001);
      await viewings.save(item.id, userId, item.media_generation, merged, coverage(merged, length));
      return state(item, userId);
    },

    /**
     * Throws 409 `not_watched` unless this reviewer may approve; returns how they qualified, for the audit.
     */
    async assertMayApprove(item: ItemRow, userId: string, acknowledge: readonly string[]): Promise<'not_required' | 'watched' | 'acknowledged'> {
      const needed = await required();
      const row = needed ? await viewings.of(item.id, userId, item.media_generation) : undefined;
      const cov = coverage(row?.ranges ?? [], lengthOf(item));
      const verdict = mayApprove({ required: needed, coverage: cov, acknowledgedElsewhere: acknowledge.includes('watched_elsewhere') });
      if (!verdict.ok) {
        const seen = Math.floor(cov * 100);
        throw new VettedError(
          'not_watched',
          item.kind === 'webpage'
            ? `You have read ${seen} % of this page. Scroll through the whole copy before approving it, or say that you read it elsewhere.`
            : `You have watched ${seen} % of this video. Watch it to the end before approving it (up to twice the speed is fine), or say that you watched it elsewhere.`,
          { httpStatus: 409 },
        );
      }
      return verdict.via;
    },
  };
}

export type ViewingService = ReturnType<typeof viewingService>;
