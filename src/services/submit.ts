import type { AppContext } from '../api-context.js';
import type { ItemRow } from '../db/schema.js';
import { playlistNotFound } from '../domain/errors.js';
import { recogniseLink, titleFromUrl } from '../domain/link.js';
import { assertClip, decideKind, type KindDecision } from '../domain/submission.js';
import { checkSubmittedUrl } from '../net/submit-check.js';
import { assertReadablePath, parseFetchableUrl, withSchemeAsMeant } from '../net/url.js';
import { staffEntry, type Actor } from './actor.js';
import { assertDomainAllowed } from './domain-policy.js';
import { queueFetch, type ServiceLog } from './fetch-queue.js';

export interface Submission {
  url: string;
  playlistId: string;
  title?: string;
  startSeconds?: number;
  endSeconds?: number;
}

/**
 * A teacher submits a link to a playlist. Pure checks first (form, scheme, what kind of link), then the school's
 * filtering policy (a blocked domain is refused naming its rule, before any lookup), then where the host points.
 * The same source and clip already processed (in any class) shares its media and skips the work; anything else is
 * created and queued for the fetch. Returns the item and a notice when the link's kind differs from the list's.
 */
export async function submitLink(ctx: AppContext, actor: Actor, body: Submission, log: ServiceLog): Promise<{ item: ItemRow; notice: KindDecision['notice'] }> {
  const { items, playlists, audit } = ctx.repos;
  const typed = withSchemeAsMeant(body.url);
  // Typed without http(s)://: the worker tries https:// first and falls back to http:// (net/scheme.ts).
  const schemeGuessed = typed !== body.url.trim();
  const link = recogniseLink(assertReadablePath(parseFetchableUrl(typed)));
  const domainRule = await assertDomainAllowed(ctx, link.url, body.playlistId);
  const url = await checkSubmittedUrl(link.url.toString(), ctx.config, {
    // YouTube's hosts are known and public; the fetcher still checks every address it connects to.
    skipLookup: link.kind === 'youtube',
  });
  assertClip(body.startSeconds ?? link.startSeconds, body.endSeconds);
  const playlist = await playlists.get(body.playlistId);
  if (!playlist) throw playlistNotFound();
  const { kind, notice } = decideKind(link.kind, playlist.kind);
  const title = body.title?.trim() || null;
  const input = {
    playlistId: playlist.id,
    url: url.toString(),
    canonicalUrl: link.canonicalUrl,
    kind,
    title,
    startSeconds: body.startSeconds ?? link.startSeconds ?? null,
    endSeconds: body.endSeconds ?? null,
    submittedBy: actor.id,
    details: {
      link: link.kind,
      ...(link.youtubeId ? { youtubeId: link.youtubeId } : {}),
      ...(schemeGuessed && link.kind !== 'youtube' ? { schemeGuessed: true } : {}),
      // The filtering rule that let the link through, shown to the teacher among the checks.
      ...(domainRule ? { domainRule } : {}),
    },
  };
  const earlier = await items.findReusable(input.canonicalUrl, input.startSeconds, input.endSeconds);
  let item: ItemRow;
  if (earlier) {
    item = await items.createReady(input, earlier);
    await ctx.store.share(earlier.id, earlier.media_generation, item.id, item.media_generation);
  } else {
    const created = await items.create(input);
    // A file name is a fair first title; pages and YouTube get their real one when fetched.
    const provisional = (link.kind === 'media' ? titleFromUrl(url) : undefined) ?? url.hostname;
    item = title ? created : ((await items.update(created.id, { title: provisional })) ?? created);
  }
  await audit.record(staffEntry(actor, 'item.submit', `item:${item.id}`, { url: item.url, ...(earlier ? { reusedFrom: earlier.id } : {}) }));
  if (!earlier) await queueFetch(ctx, item, log);
  return { item, notice };
}
