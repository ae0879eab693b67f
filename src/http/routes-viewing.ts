import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../api-context.js';
import { viewingService } from '../services/viewing.js';
import { scopeOf, staffOf } from './access.js';
import { WatchState, withErrors } from './contract/index.js';

const ofItem = scopeOf('item');
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
// Seconds of the clip for a video (24 h at most), fractions 0–1 for a page.
const Ranges = Type.Array(Type.Tuple([Type.Number({ minimum: 0, maximum: 86_400 }), Type.Number({ minimum: 0, maximum: 86_400 })]), {
  maxItems: 1000,
});

/** What the reviewer has played of an item: reported by the desk while it plays, read back on load. */
export const viewingRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const viewing = viewingService(ctx);

  app.get('/api/items/:id/viewing', { config: { access: 'member', scope: ofItem }, schema: { params: IdParams, response: withErrors({ 200: WatchState }) } }, async (request) =>
    viewing.stateOf(request.params.id, staffOf(request).user.id),
  );

  app.post(
    '/api/items/:id/viewing',
    { config: { access: 'member', scope: ofItem }, schema: { params: IdParams, body: Type.Object({ ranges: Ranges }), response: withErrors({ 200: WatchState }) } },
    async (request) => viewing.recordFor(request.params.id, staffOf(request).user.id, request.body.ranges),
  );
};
