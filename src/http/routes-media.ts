import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import path from 'node:path';
import type { AppContext } from '../context.js';
import type { ItemMediaFiles, ItemRow } from '../db/schema.js';
import { VettedError } from '../domain/errors.js';
import { boardMayShow } from '../domain/visibility.js';
import { classOfBoard } from './routes-board.js';
import { scopeOf } from './access.js';
import { BoardToken, Uuid } from './schemas.js';

const MediaParams = {
  id: Uuid,
  generation: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }),
  file: Type.String({ pattern: '^[A-Za-z0-9._-]+$', maxLength: 100 }),
};

const noMedia = () =>
  new VettedError('media_not_found', 'This file is not available (it may have been replaced, removed or not approved).', {
    httpStatus: 404,
  });

/** The file names an item has published; anything else under its folder is not served. */
function publishedFiles(item: ItemRow): Set<string> {
  const m = (item.media ?? {}) as ItemMediaFiles;
  return new Set([m.video, m.poster, m.thumbnail, m.page, m.captions, ...(m.images ?? [])].filter((f): f is string => !!f));
}

/**
 * Media files. Staff see any item's media; a board sees only approved, unexpired items of its own
 * class — checked on every request, because an unguessable id alone is not access control.
 * Files are immutable per generation (a re-made item gets a new one), so they may be cached long,
 * but only privately: a shared cache must not hand a board's media to someone else.
 */
export const mediaRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { items } = ctx.repos;
  const root = path.join(ctx.config.dataDir, 'media');

  async function send(reply: FastifyReply, item: ItemRow | undefined, generation: number, file: string) {
    if (!item || item.media_generation !== generation || !publishedFiles(item).has(file)) throw noMedia();
    reply.header('cache-control', 'private, max-age=31536000, immutable');
    reply.header('x-content-type-options', 'nosniff');
    if (file.endsWith('.svg')) {
      // A generated card: inert, but a document if opened directly, so it may run and load nothing.
      reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox");
    }
    if (file.endsWith('.html')) {
      // The reader copy of a web page: no script, no outside resources, no framing by others.
      reply.header(
        'content-security-policy',
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
      );
    }
    return reply.sendFile(path.join(item.id, String(generation), file), root, { cacheControl: false });
  }

  app.get(
    '/media/items/:id/:generation/:file',
    { config: { access: 'member', scope: scopeOf('item') }, schema: { params: Type.Object(MediaParams) } },
    async (request, reply) => send(reply, await items.get(request.params.id), request.params.generation, request.params.file),
  );

  app.get(
    '/media/board/:token/:id/:generation/:file',
    {
      config: { access: 'board' },
      schema: { params: Type.Object({ token: BoardToken, ...MediaParams }) },
    },
    async (request, reply) => {
      const cls = await classOfBoard(ctx, request.params.token);
      const item = await items.get(request.params.id);
      const inClass = item ? (await items.classOf(item.id)) === cls.id : false;
      if (!item || !inClass || !boardMayShow({ status: item.status, expiresAt: item.expires_at })) throw noMedia();
      return send(reply, item, request.params.generation, request.params.file);
    },
  );
};
