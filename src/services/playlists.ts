import type { AppContext } from '../api-context.js';
import type { ItemRow, PlaylistKind, PlaylistRow } from '../db/schema.js';
import { hostOfUrl, isPacResult } from '../domain/domain-rules.js';
import { itemChangedMeanwhile, playlistNotFound, VettedError } from '../domain/errors.js';
import type { ItemStatus } from '../domain/item-state.js';
import { boardMayShow } from '../domain/visibility.js';
import { staffEntry, type Actor } from './actor.js';
import { itemById } from './items.js';

/** A playlist and its items, in their order. */
export interface PlaylistContents {
  playlist: PlaylistRow;
  items: ItemRow[];
}

/**
 * Statuses the incident log still needs: a reported item waits for the e-safety lead, and a
 * removed one is kept (without media) until the purge. A teacher cannot make either vanish.
 */
const KEPT_FOR_INCIDENTS: readonly ItemStatus[] = ['quarantined', 'removed'];

const keptForIncidents = () =>
  new VettedError(
    'item_in_incident_log',
    'This item was reported and is in the incident log. The e-safety lead decides what happens to it.',
    { httpStatus: 409 },
  );

async function load(ctx: AppContext, id: string): Promise<PlaylistRow> {
  const playlist = await ctx.repos.playlists.get(id);
  if (!playlist) throw playlistNotFound();
  return playlist;
}

/** A new playlist in a class: videos, or sites (a site list). */
export async function createPlaylist(ctx: AppContext, actor: Actor, classId: string, name: string, kind: PlaylistKind): Promise<PlaylistRow> {
  const row = await ctx.repos.playlists.create(classId, name, kind);
  await ctx.repos.audit.record(staffEntry(actor, 'playlist.create', `playlist:${row.id}`));
  return row;
}

export async function playlistContents(ctx: AppContext, id: string): Promise<PlaylistContents> {
  const playlist = await load(ctx, id);
  return { playlist, items: await ctx.repos.items.listByPlaylist(playlist.id) };
}

/**
 * A teacher puts a playlist's items in a new order. Items not named (added by someone else meanwhile) keep their
 * order, after the named ones; naming an item that is no longer in the playlist is refused (409 `order_stale`).
 */
export async function reorderPlaylist(ctx: AppContext, actor: Actor, id: string, itemIds: string[]): Promise<PlaylistContents> {
  const { items, audit } = ctx.repos;
  const playlist = await load(ctx, id);
  const current = await items.listByPlaylist(playlist.id);
  const known = new Set(current.map((i) => i.id));
  if (itemIds.some((i) => !known.has(i))) {
    throw new VettedError('order_stale', 'Some of these items are no longer in this playlist. Reload the playlist and try again.', { httpStatus: 409 });
  }
  const named = new Set(itemIds);
  const order = [...itemIds, ...current.filter((i) => !named.has(i.id)).map((i) => i.id)];
  const before = new Map(current.map((i) => [i.id, i.position]));
  await items.reorder(playlist.id, order, before);
  await audit.record(staffEntry(actor, 'playlist.reorder', `playlist:${playlist.id}`, { itemIds: order }));
  return { playlist, items: await items.listByPlaylist(playlist.id) };
}

/**
 * A teacher takes an item out of its playlist: it is deleted with its media, and the audit log keeps who removed
 * what and when. An item on a board is first taken off it (rejected), so open boards learn of it through the usual
 * change notification before the row goes. Reported and removed items stay for the incident log.
 */
export async function removeFromPlaylist(ctx: AppContext, actor: Actor, itemId: string): Promise<ItemRow> {
  const { items, audit } = ctx.repos;
  const item = await itemById(ctx, itemId);
  if (KEPT_FOR_INCIDENTS.includes(item.status)) throw keptForIncidents();
  if (item.status === 'approved') {
    const off = await items.transition(item.id, 'rejected', { reviewed_by: actor.id, reviewed_at: new Date(), reject_reason: 'Removed from the playlist' }, ['approved']);
    if (!off) throw itemChangedMeanwhile();
  }
  try {
    if (!(await items.deleteUnless(item.id, KEPT_FOR_INCIDENTS))) throw keptForIncidents();
  } catch (e) {
    // Another table (an incident, say) still points at the row: keep it for the record.
    if ((e as { code?: string }).code === '23503') throw keptForIncidents();
    throw e;
  }
  // Row first, then files: a crash in between leaves an orphan folder that `storage check` finds,
  // never a row whose media is missing.
  await ctx.store.removeItem(item.id);
  await audit.record(staffEntry(actor, 'item.delete', `item:${item.id}`, { status: item.status, url: item.url, title: item.title, playlistId: item.playlist_id }));
  return item;
}

/**
 * The approved, unexpired sites of a site list, for the school's web filter: their hosts, and the moment they were
 * read. `otherwise` is the proxy a PAC file names for everything else ("PROXY filter.school.example:8080").
 */
export async function siteListHosts(ctx: AppContext, id: string, otherwise: string | undefined): Promise<{ playlist: PlaylistRow; hosts: string[]; at: Date }> {
  const playlist = await load(ctx, id);
  if (playlist.kind !== 'sites') {
    throw new VettedError('not_a_site_list', 'Only a site list can be exported for the web filter.', { httpStatus: 409 });
  }
  if (otherwise !== undefined && !isPacResult(otherwise)) {
    throw new VettedError('invalid_request', 'The "otherwise" proxy must look like "PROXY filter.school.example:8080".', { httpStatus: 400 });
  }
  const at = new Date();
  const hosts = (await ctx.repos.items.listByPlaylist(playlist.id))
    .filter((i) => boardMayShow({ status: i.status, expiresAt: i.expires_at }, at))
    .map((i) => hostOfUrl(i.url))
    .filter((h): h is string => !!h);
  return { playlist, hosts, at };
}
