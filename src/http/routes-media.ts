import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import type { ItemMediaFiles, ItemRow } from '../db/schema.js';
import type { BoardService } from '../services/board.js';
import { unknownBoard } from './routes-board.js';
import { noMedia, sendMedia } from './send-media.js';

const MediaParams = {
  id: Type.String({ format: 'uuid' }),
  generation: Type.Integer({ minimum: 0 }),
  file: Type.String({ pattern: '^[A-Za-z0-9._-]+$', maxLength: 100 }),
};

/** The file names an item has published; anything else under its folder is not served. */
function publishedFiles(item: ItemRow): Set<string> {
  const m = (item.media ?? {}) as ItemMediaFiles;
  return new Set([m.video, m.poster, m.thumbnail, m.page, m.captions, ...(m.images ?? [])].filter((f): f is string => !!f));
}

/**
 * Media files. Staff see any item's media; a board sees only approved, unexpired items of its own
 * class — checked on every request (through the board service, whose cached answer is dropped the
 * moment an item leaves the board), because an unguessable id alone is not access control.
 */
export const mediaRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext; board: BoardService }> = async (app, { ctx, board }) => {
  const { items } = ctx.repos;
  const opts = ctx.config.mediaAccel === 'nginx' ? { accelPrefix: ctx.config.mediaAccelPrefix } : {};

  // HEAD is declared, not derived: fastify's derived HEAD would read the whole file and drop its length.
  app.route({
    method: ['GET', 'HEAD'],
    url: '/media/items/:id/:generation/:file',
    exposeHeadRoute: false,
    config: { access: 'staff' },
    schema: { params: Type.Object(MediaParams) },
    handler: async (request, reply) => {
      const { id, generation, file } = request.params;
      const item = await items.get(id);
      if (!item || item.media_generation !== generation || !publishedFiles(item).has(file)) throw noMedia();
      return sendMedia(request, reply, ctx.store, { itemId: id, generation, file }, opts);
    },
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/media/board/:token/:id/:generation/:file',
    exposeHeadRoute: false,
    config: { access: 'board' },
    schema: { params: Type.Object({ token: Type.String({ maxLength: 100 }), ...MediaParams }) },
    handler: async (request, reply) => {
      const { token, id, generation, file } = request.params;
      const allowed = await board.mayFetch(token, id, generation, file);
      if (allowed === undefined) throw unknownBoard();
      if (!allowed) throw noMedia();
      return sendMedia(request, reply, ctx.store, { itemId: id, generation, file }, opts);
    },
  });
};
