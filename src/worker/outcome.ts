import { UnrecoverableError } from 'bullmq';
import { isVettedError, VettedError } from '../domain/errors.js';
import type { ItemsRepository } from '../db/items.js';
import { WORKING_STATUSES } from '../domain/item-state.js';
import { retriesExhausted, retryScheduled } from '../domain/failure-words.js';

export const INTERNAL_FAILURE = new VettedError(
  'internal_error',
  'Something went wrong while preparing this item. Try again; if it keeps failing, tell the person who looks after Vetted.',
);

export function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || (e as { code?: string }).code === 'ABORT_ERR');
}

/**
 * Decides what a stage's error means for the item and for BullMQ:
 * - a permanent error fails the item now and stops retries (UnrecoverableError);
 * - a transient one is rethrown so BullMQ retries with backoff — unless that was the last attempt,
 *   in which case the item fails with the reason it kept hitting;
 * - an abort (worker shutting down) is rethrown untouched: the job runs again after restart.
 * The error is never swallowed, or BullMQ would count a failure as a success.
 */
export async function settleFailure(
  items: ItemsRepository,
  itemId: string,
  error: unknown,
  /** `retryInMs`: when the queue will try again if this try fails with a fault that may clear. */
  attempt: { made: number; max: number; retryInMs?: number },
  log: (msg: string, err: unknown) => void,
  /** Runs before the item is marked failed, so nobody sees a failed item with files still behind it. */
  cleanUp: () => Promise<void> = async () => {},
): Promise<never> {
  if (isAbort(error)) throw error;
  const known = isVettedError(error) ? error : undefined;
  if (!known) log(`item ${itemId}: unexpected error`, error);
  const lastAttempt = attempt.made + 1 >= attempt.max;
  if (known && known.transient && !lastAttempt) {
    // The teacher sees why it is waiting and when the next try comes (cleared when that try starts).
    if (attempt.retryInMs !== undefined) {
      const note = { error_code: known.code, error_message: retryScheduled(known.message, attempt.made + 2, attempt.max, attempt.retryInMs) };
      // Only on an item still being made: one that was rejected or re-made meanwhile keeps no stale note.
      await items
        .get(itemId)
        .then((now) => (now && WORKING_STATUSES.includes(now.status) ? items.transition(itemId, now.status, note, [now.status]) : undefined))
        .catch((e) => log(`item ${itemId}: could not record the retry`, e));
    }
    throw error;
  }
  if (!known && !lastAttempt) throw error;
  const reason = known ?? INTERNAL_FAILURE;
  // A fault that might have cleared, but no more tries are coming: say so instead of promising one.
  const kind = known?.transient ? ((await items.get(itemId).catch(() => undefined))?.kind ?? 'video') : 'video';
  const message = known?.transient ? retriesExhausted(reason.message, attempt.max, kind) : reason.message;
  await cleanUp().catch((e) => log(`item ${itemId}: clean-up failed`, e));
  await items.transition(
    itemId,
    'failed',
    { error_code: reason.code, error_message: message, progress: 0 },
    WORKING_STATUSES,
  );
  throw new UnrecoverableError(`${reason.code}: ${message}`);
}
