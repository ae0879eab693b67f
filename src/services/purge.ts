import type { AppContext } from '../api-context.js';
import type { ItemStatus } from '../domain/item-state.js';


export interface PurgedItem {
  id: string;
  title: string;
  status: ItemStatus;
  bytes: number;
}

export interface PurgeResult {
  items: PurgedItem[];
  bytes: number;
  dryRun: boolean;
  /** Items another purge was deleting at the same moment (they are in that purge's result). */
  skipped: number;
  retentionDays: number;
}

export interface PurgeOptions {
  dryRun: boolean;
  actor: { kind: 'staff' | 'system'; id: string | null; ip?: string | null };
  /** Told after each item, so an admin watching the console sees how far the purge has gone. */
  onProgress?: (done: number, total: number) => Promise<void> | void;
  /** Tests only: runs after an item's files are deleted and before its row is, to simulate a crash. */
  afterFilesRemoved?: (item: PurgedItem, index: number) => void | Promise<void>;
}

/**
 * Deletes the media files and rows of expired, rejected, failed and removed items whose last change is older
 * than PURGE_AFTER_DAYS (0 = all of them now), and of approved items whose expiry is that old. The dry run lists exactly what would go and the bytes freed.
 *
 * Safe to run twice or at once: each item is deleted in its own transaction that first locks the row with
 * `FOR UPDATE SKIP LOCKED` (another purge holding it skips it) and re-checks that it still qualifies. Files go
 * before the row, so a crash in between leaves a row whose files are gone — which the next purge finishes —
 * and never files without a row. Incidents keep their snapshot of the item; nothing else refers to it.
 * The result (also of a dry run) is written to the audit log.
 */
export async function purge(ctx: AppContext, opts: PurgeOptions): Promise<PurgeResult> {
  const retentionDays = ctx.config.purgeAfterDays;
  const { items } = ctx.repos;
  const cutoff = await items.purgeCutoff(retentionDays);
  // Approved items past their expiry count as expired from their expiry on, whether or not the minute sweep
  // has flipped their status yet.
  const shownStatus = (s: ItemStatus): ItemStatus => (s === 'approved' ? 'expired' : s);
  const candidates = await items.purgeable(cutoff);

  const result: PurgeResult = { items: [], bytes: 0, dryRun: opts.dryRun, skipped: 0, retentionDays };
  const report = async () => {
    await Promise.resolve(opts.onProgress?.(result.items.length + result.skipped, candidates.length)).catch(() => undefined);
  };
  try {
    await report();
    for (const candidate of candidates) {
      if (opts.dryRun) {
        const bytes = await ctx.store.size(candidate.id, candidate.media_generation);
        result.items.push({ id: candidate.id, title: candidate.title ?? '', status: shownStatus(candidate.status), bytes });
        result.bytes += bytes;
        continue;
      }
      const done = await items.purgeOne(candidate.id, cutoff, async (row) => {
        const item: PurgedItem = { id: row.id, title: row.title ?? '', status: shownStatus(row.status), bytes: await ctx.store.size(row.id, row.media_generation) };
        await ctx.store.removeItem(row.id);
        await opts.afterFilesRemoved?.(item, result.items.length);
        return item;
      });
      if (!done) result.skipped++;
      else {
        result.items.push(done);
        result.bytes += done.bytes;
      }
      await report();
    }
  } finally {
    // Written even when the purge stops half-way, so the log shows what went before the fault.
    await ctx.repos.audit.record({
      actorId: opts.actor.id,
      actorKind: opts.actor.kind,
      action: opts.dryRun ? 'purge.dry_run' : 'purge',
      target: null,
      ip: opts.actor.ip ?? null,
      detail: {
        retentionDays,
        count: result.items.length,
        bytes: result.bytes,
        skipped: result.skipped,
        complete: result.items.length + result.skipped === candidates.length,
        // Enough to find any purged item again; titles can be looked up in the incident log if it was reported.
        items: result.items.slice(0, 1000).map((i) => ({ id: i.id, title: i.title, status: i.status })),
      },
    });
  }
  return result;
}

/**
 * How far the running (or last) real purge has got, kept in Redis for ten minutes so that whichever
 * API process the admin's browser asks can answer.
 */
export function purgeProgress(ctx: AppContext) {
  const key = `${ctx.config.queuePrefix}:purge:progress`;
  return {
    async set(done: number, total: number): Promise<void> {
      await ctx.producer.connection.set(key, JSON.stringify({ done, total, at: new Date().toISOString() }), 'EX', 600);
    },
    async get(): Promise<{ running: boolean; done: number; total: number }> {
      const raw = await ctx.producer.connection.get(key).catch(() => null);
      if (!raw) return { running: false, done: 0, total: 0 };
      const { done, total } = JSON.parse(raw) as { done: number; total: number };
      return { running: done < total, done, total };
    },
  };
}
