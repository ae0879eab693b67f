import type { WorkerContext } from '../context.js';
import type { ItemRow } from '../../db/schema.js';
import type { FetchPolicy } from '../../net/fetcher.js';
import { policyFromConfig } from '../../net/fetcher.js';
import { schemeAsMeant } from '../../net/scheme.js';
import { hostCheckForItem } from '../../services/domain-policy.js';
import { progressReporter } from './progress.js';
import { sourceFor } from './sources.js';

export const FETCH_WORK = 'fetch';

/**
 * Fetch stage: load the item, claim it (queued → fetching), bring the source home into the item's
 * work folder, then hand it to the media stage (fetching → processing). A stale or duplicate job
 * finds the item in another status and does nothing.
 */
export async function runFetchStage(ctx: WorkerContext, itemId: string, signal: AbortSignal): Promise<'done' | 'skipped'> {
  const { items } = ctx.repos;
  let item = await items.get(itemId);
  if (!item || (item.status !== 'queued' && item.status !== 'fetching')) return 'skipped';
  if (item.status === 'queued') {
    item = await items.transition(itemId, 'fetching', { progress: 0, error_code: null, error_message: null }, ['queued']);
    if (!item) return 'skipped';
  } else if (item.error_message) {
    // A retry starts: the note saying when it would come is now out of date.
    item = (await items.update(itemId, { error_code: null, error_message: null })) ?? item;
  }

  const workDir = await ctx.store.workDir(itemId, FETCH_WORK);
  const progress = progressReporter(items, itemId, 'fetching');
  const policy = policyFromConfig(ctx.config, { checkHost: await hostCheckForItem(ctx, item) });
  let kind = item.kind;
  try {
    item = await settleScheme(ctx, item, policy, signal);
    const chosen = await sourceFor(ctx, item, policy, signal);
    kind = chosen.kind;
    const fetched = await chosen.source.fetch({ item, workDir, policy, signal, onProgress: (p) => progress.report(p) });
    // The hand-off to the media stage, which may run on another machine.
    await ctx.store.saveSource(itemId, workDir, fetched);
  } catch (e) {
    await progress.flush();
    await ctx.store.removeWork(itemId, FETCH_WORK);
    throw e;
  }
  await progress.flush();

  const moved = await items.transition(itemId, 'processing', { progress: 0, kind }, ['fetching']);
  if (!moved) {
    // Someone rejected or re-queued the item meanwhile: what we fetched is not wanted.
    await ctx.store.removeWork(itemId);
    return 'skipped';
  }
  await ctx.producer.enqueue('media', itemId, moved.media_generation);
  return 'done';
}

/**
 * A link the teacher typed without http(s):// was stored as https://. Before the first fetch, find out once whether
 * the site answers there, or only over http:// (then the item's address changes, and its checks say why).
 */
async function settleScheme(ctx: WorkerContext, item: ItemRow, policy: FetchPolicy, signal: AbortSignal): Promise<ItemRow> {
  const details = (item.details ?? {}) as Record<string, unknown>;
  if (details.schemeGuessed !== true || details.schemeChosen !== undefined) return item;
  const url = await schemeAsMeant(new URL(item.url), { policy, signal });
  const scheme = url.protocol === 'http:' ? 'http' : 'https';
  // The item's identity follows what was fetched: a later link written out with https:// is another source.
  const canonical = scheme === 'http' ? item.canonical_url.replace(/^https:/, 'http:') : item.canonical_url;
  return (await ctx.repos.items.update(item.id, { url: url.href, canonical_url: canonical, details: { ...details, schemeChosen: scheme } })) ?? item;
}
