import type { ItemStatus } from '../../domain/item-state.js';
import type { ItemsRepository } from '../../db/items.js';

/**
 * Stores progress at most every `intervalMs` (and on whole-percent changes only): ffmpeg reports
 * many times a second and every store is a database write and a notification.
 */
export function progressReporter(items: ItemsRepository, itemId: string, status: ItemStatus, intervalMs = 400) {
  let last = 0;
  let lastValue = -1;
  let pending: Promise<unknown> = Promise.resolve();
  return {
    report(percent: number) {
      const value = Math.floor(Math.max(0, Math.min(99, percent)));
      const now = Date.now();
      if (value === lastValue || now - last < intervalMs) return;
      last = now;
      lastValue = value;
      pending = pending.then(() => items.setProgress(itemId, status, value)).catch(() => undefined);
    },
    /** Waits for the last write, so a later status change is not overtaken by a stale progress write. */
    async flush() {
      await pending;
    },
  };
}
