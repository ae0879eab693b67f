import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../api-context.js';
import type { ItemStatus } from '../domain/item-state.js';
import { itemChangedMeanwhile, itemNotFound, playlistNotFound, VettedError } from '../domain/errors.js';
import { scopeOf, staffOf } from './access.js';
import { Uuid } from './schemas.js';
import { presentItem } from './present.js';
import { ItemDeleted, Playlist, withErrors } from './contract/index.js';


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

/**
 * Ordering a playlist and taking items out of it. A removed item is deleted with its media: the
 * audit log keeps who removed what and when. An item on a board is first taken off it (rejected),
 * so open boards learn of it through the usual change notification before the row goes.
 */
export const playlistOrderRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { items, playlists, audit } = ctx.repos;

  app.patch(
    '/api/playlists/:id/order',
    {
      config: { access: 'member', scope: scopeOf('playlist') },
      schema: {
        params: Type.Object({ id: Uuid }),
        body: Type.Object({ itemIds: Type.Array(Uuid, { maxItems: 2000, uniqueItems: true }) }),
        response: withErrors({ 200: Playlist }),
      },
    },
    async (request) => {
      const staff = staffOf(request);
      const playlist = await playlists.get(request.params.id);
      if (!playlist) throw playlistNotFound();
      const current = await items.listByPlaylist(playlist.id);
      const known = new Set(current.map((i) => i.id));
      const stranger = request.body.itemIds.find((id) => !known.has(id));
      if (stranger) {
        throw new VettedError(
          'order_stale',
          'Some of these items are no longer in this playlist. Reload the playlist and try again.',
          { httpStatus: 409 },
        );
      }
      // Items not named (added by someone else meanwhile) keep their order, after the named ones.
      const named = new Set(request.body.itemIds);
      const order = [...request.body.itemIds, ...current.filter((i) => !named.has(i.id)).map((i) => i.id)];
      const before = new Map(current.map((i) => [i.id, i.position]));
      await items.reorder(playlist.id, order, before);
      await audit.record({
        actorId: staff.user.id,
        actorKind: 'staff',
        action: 'playlist.reorder',
        target: `playlist:${playlist.id}`,
        ip: request.ip,
        detail: { itemIds: order },
      });
      const list = await items.listByPlaylist(playlist.id);
      return { id: playlist.id, classId: playlist.class_id, name: playlist.name, kind: playlist.kind, items: list.map((i) => presentItem(i)) };
    },
  );

  app.delete(
    '/api/items/:id',
    { config: { access: 'member', scope: scopeOf('item') }, schema: { params: Type.Object({ id: Uuid }), response: withErrors({ 200: ItemDeleted }) } },
    async (request) => {
      const staff = staffOf(request);
      const item = await items.get(request.params.id);
      if (!item) throw itemNotFound();
      if (KEPT_FOR_INCIDENTS.includes(item.status)) throw keptForIncidents();
      if (item.status === 'approved') {
        const off = await items.transition(item.id, 'rejected', {
          reviewed_by: staff.user.id,
          reviewed_at: new Date(),
          reject_reason: 'Removed from the playlist',
        }, ['approved']);
        if (!off) {
          throw itemChangedMeanwhile();
        }
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
      await audit.record({
        actorId: staff.user.id,
        actorKind: 'staff',
        action: 'item.delete',
        target: `item:${item.id}`,
        ip: request.ip,
        detail: { status: item.status, url: item.url, title: item.title, playlistId: item.playlist_id },
      });
      return { id: item.id, removed: true as const };
    },
  );
};
