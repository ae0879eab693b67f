import type { WorkerContext } from '../context.js';
import type { ItemRow } from '../../db/schema.js';
import type { ItemKind } from '../../domain/item-state.js';
import type { FetchPolicy } from '../../net/fetcher.js';
import { directMediaSource } from '../../sources/direct-media.js';
import { sniffLink } from '../../sources/sniff.js';
import { uploadSource } from '../../sources/upload.js';
import type { Source } from '../../sources/types.js';

// The page cleaner (jsdom) and the YouTube client are loaded on first use: together they add about
// 70 MB to a worker that may only ever see direct video links.
async function webPage(ctx: WorkerContext): Promise<Source> {
  const { webPageSource } = await import('../../sources/web-page.js');
  return webPageSource({ media: ctx.media });
}

async function youtube(ctx: WorkerContext): Promise<Source> {
  const { youtubeSourceFor } = await import('./youtube.js');
  return youtubeSourceFor(ctx);
}

/**
 * Picks the source module for an item: YouTube, a web page or a direct media file. Links whose URL
 * did not say what they are (`details.link === 'unknown'`) are sniffed first; the item's kind is
 * then whatever the site turned out to serve.
 */
export async function sourceFor(
  ctx: WorkerContext,
  item: ItemRow,
  policy: FetchPolicy,
  signal: AbortSignal,
): Promise<{ source: Source; kind: ItemKind }> {
  const link = (item.details as { link?: string } | null)?.link;
  if (link === 'youtube') return { source: await youtube(ctx), kind: 'video' };
  if (link === 'media') return { source: directMediaSource, kind: 'video' };
  if (link === 'upload') return { source: uploadSource(ctx.store), kind: 'video' };
  if (link === 'page') return { source: await webPage(ctx), kind: 'webpage' };
  const sniffed = await sniffLink(item.url, policy, signal);
  return sniffed === 'page' ? { source: await webPage(ctx), kind: 'webpage' } : { source: directMediaSource, kind: 'video' };
}
