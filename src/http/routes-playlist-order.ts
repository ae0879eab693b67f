import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../api-context.js';
import { removeFromPlaylist, reorderPlaylist } from '../services/playlists.js';
import { actorOf, scopeOf } from './access.js';
import { Uuid } from './schemas.js';
import { presentPlaylist } from './present.js';
import { ItemDeleted, Playlist, withErrors } from './contract/index.js';

/**
 * Ordering a playlist and taking items out of it (services/playlists.ts: a removed item is deleted with its
 * media, and one on a board is first taken off it).
 */
export const playlistOrderRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
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
    async (request) => presentPlaylist(await reorderPlaylist(ctx, actorOf(request), request.params.id, request.body.itemIds)),
  );

  app.delete(
    '/api/items/:id',
    { config: { access: 'member', scope: scopeOf('item') }, schema: { params: Type.Object({ id: Uuid }), response: withErrors({ 200: ItemDeleted }) } },
    async (request) => {
      const item = await removeFromPlaylist(ctx, actorOf(request), request.params.id);
      return { id: item.id, removed: true as const };
    },
  );
};
