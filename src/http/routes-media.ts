import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../api-context.js';
import type { BoardService } from '../services/board.js';
import { mayServeToStaff } from '../services/items.js';
import { scopeOf } from './access.js';
import { unknownBoard } from '../domain/errors.js';
import { BoardToken, Uuid } from './schemas.js';
import { noMedia, sendMedia } from './send-media.js';
import { Bytes, Empty, withErrors } from './contract/index.js';

/** A file with HTTP Range support; 416 (the error shape) for a range outside it. */
const MediaAnswers = withErrors({
  200: Bytes('the file (video, picture, page copy, captions)'),
  206: Bytes('the requested range of the file'),
  304: Empty('unchanged since the ETag or time sent'),
});

const MediaParams = {
  id: Uuid,
  generation: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }),
  file: Type.String({ pattern: '^[A-Za-z0-9._-]+$', maxLength: 100 }),
};

/**
 * Media files. Staff see the media of their classes' items; a board sees only approved, unexpired
 * items of its own class — checked on every request, because an unguessable id alone is not access
 * control. For boards the check is the board service's answer, the same one `GET /api/board/:token`
 * gives: kept in memory and dropped the moment a change notification says an item left the board.
 *
 * HEAD is declared with GET rather than derived: fastify's derived HEAD would read the whole file.
 */
export const mediaRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext; board: BoardService }> = async (app, { ctx, board }) => {
  const opts = ctx.config.mediaAccel === 'nginx' ? { accelPrefix: ctx.config.mediaAccelPrefix } : {};
  // Behind nginx every media request is already a line of nginx's access log (board links redacted): Vetted logs only
  // its warnings and errors for them, not two more lines each (a third of the cost of its answer, measured).
  const logLevel = opts.accelPrefix && ['trace', 'debug', 'info'].includes(ctx.config.logLevel) ? { logLevel: 'warn' as const } : {};

  app.route({
    method: ['GET', 'HEAD'],
    url: '/media/items/:id/:generation/:file',
    exposeHeadRoute: false,
    ...logLevel,
    config: { access: 'member', scope: scopeOf('item') },
    schema: { params: Type.Object(MediaParams), response: MediaAnswers },
    handler: async (request, reply) => {
      const { id, generation, file } = request.params;
      if (!(await mayServeToStaff(ctx, id, generation, file))) throw noMedia();
      return sendMedia(request, reply, ctx.store, { itemId: id, generation, name: file }, opts);
    },
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/media/board/:token/:id/:generation/:file',
    exposeHeadRoute: false,
    ...logLevel,
    config: { access: 'board' },
    schema: { params: Type.Object({ token: BoardToken, ...MediaParams }), response: MediaAnswers },
    handler: async (request, reply) => {
      const { token, id, generation, file } = request.params;
      const allowed = await board.mayFetch(token, id, generation, file);
      if (allowed === undefined) throw unknownBoard();
      if (!allowed) throw noMedia();
      return sendMedia(request, reply, ctx.store, { itemId: id, generation, name: file }, opts);
    },
  });
};
