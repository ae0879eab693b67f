import type { AppContext } from '../api-context.js';
import type { ItemMediaFiles } from '../db/schema.js';
import { WORKING_STATUSES } from '../domain/item-state.js';
import { publishedFiles } from './media-files.js';

export interface StorageReport {
  /** Files in the store with no item row, or whose item has no media any more (removed). */
  filesWithoutItem: Array<{ itemId: string; area: 'media' | 'work' | 'originals' }>;
  /** Items whose published files are not all in the store. */
  itemsWithMissingFiles: Array<{ itemId: string; title: string | null; status: string; missing: string[] }>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Compares what the store holds with the items table, both ways (`npm run cli -- storage check`). */
export async function checkStorage(ctx: AppContext): Promise<StorageReport> {
  const report: StorageReport = { filesWithoutItem: [], itemsWithMissingFiles: [] };
  const onDisk = await ctx.store.listItemIds();
  const ids = [...new Set([...onDisk.media, ...onDisk.work, ...onDisk.originals])].filter((id) => UUID.test(id));
  const rows = await ctx.repos.items.mediaOf(ids);
  const byId = new Map(rows.map((r) => [r.id, r]));
  // Folders an upload is still writing (no row yet) belong to it, not to nobody.
  const leased = await ctx.repos.storageLeases.held(ids.filter((id) => !byId.has(id)));
  for (const id of onDisk.media) {
    const row = byId.get(id);
    if (leased.has(id)) continue;
    if (!row || row.status === 'removed') report.filesWithoutItem.push({ itemId: id, area: 'media' });
  }
  for (const id of onDisk.work) {
    const row = byId.get(id);
    if (leased.has(id)) continue;
    if (!row || !WORKING_STATUSES.includes(row.status)) report.filesWithoutItem.push({ itemId: id, area: 'work' });
  }
  // Uploaded originals belong to their item until it is purged or deleted.
  for (const id of onDisk.originals) {
    if (!byId.has(id) && !leased.has(id)) report.filesWithoutItem.push({ itemId: id, area: 'originals' });
  }

  const withMedia = await ctx.repos.items.withMedia();
  for (const item of withMedia) {
    const files = publishedFiles(item.media as ItemMediaFiles | null);
    // One listing per item rather than one look-up per file: a bucket answers a list as fast as a HEAD.
    const stored = new Set((await ctx.store.files(item.id)).filter((s) => s.generation === item.media_generation).map((s) => s.name));
    const missing = files.filter((f) => !stored.has(f));
    if (missing.length) report.itemsWithMissingFiles.push({ itemId: item.id, title: item.title, status: item.status, missing });
  }
  return report;
}

/**
 * Deletes the folders that belong to no item (the only repair that can never lose vetted media). Each is looked
 * at again just before it goes: a job or upload that began after the check owns its folder now.
 */
export async function removeFilesWithoutItem(ctx: AppContext, report: StorageReport): Promise<number> {
  let n = 0;
  for (const f of report.filesWithoutItem) {
    const row = await ctx.repos.items.get(f.itemId);
    if ((await ctx.repos.storageLeases.held([f.itemId])).size > 0) continue;
    if (row && (f.area === 'originals' || (f.area === 'work' ? WORKING_STATUSES.includes(row.status) : row.status !== 'removed'))) continue;
    if (f.area === 'work') await ctx.store.removeWork(f.itemId);
    else await ctx.store.removeItem(f.itemId);
    n++;
  }
  return n;
}
