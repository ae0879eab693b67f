import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { ItemMediaFiles, ItemRow } from '../db/schema.js';
import { VettedError } from '../domain/errors.js';
import { boardMayShow } from '../domain/visibility.js';
import { contentTypeOf } from '../storage/content-type.js';
import { parseRange } from './byte-range.js';
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
  return new Set(
    [m.video, m.poster, m.thumbnail, m.page, m.captions, m.storyboard, ...(m.images ?? []), ...(m.scenes ?? [])].filter((f): f is string => !!f),
  );
}

/**
 * Media files. Staff see any item's media; a board sees only approved, unexpired items of its own
 * class — checked on every request, because an unguessable id alone is not access control.
 * Files are immutable per generation (a re-made item gets a new one), so they may be cached long,
 * but only privately: a shared cache must not hand a board's media to someone else.
 * The bytes come from the store through two calls, `stat` and `open(key, range)`, whatever the store
 * is: a Range request becomes a ranged read of the file or of the bucket's object.
 */
export const mediaRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { items } = ctx.repos;

  async function send(request: FastifyRequest, reply: FastifyReply, item: ItemRow | undefined, generation: number, file: string) {
    if (!item || item.media_generation !== generation || !publishedFiles(item).has(file)) throw noMedia();
    const key = { itemId: item.id, generation, name: file };
    const stored = await ctx.store.stat(key);
    if (!stored) throw noMedia();
    reply.header('cache-control', 'private, max-age=31536000, immutable');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('accept-ranges', 'bytes');
    reply.header('etag', stored.etag);
    reply.header('last-modified', stored.modified.toUTCString());
    reply.type(contentTypeOf(file));
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
    if (request.headers['if-none-match'] === stored.etag) return reply.code(304).send();
    // If-Range: a range only applies to the same bytes the client already has part of.
    const ifRange = request.headers['if-range'];
    const sameFile = !ifRange || ifRange === stored.etag || ifRange === stored.modified.toUTCString();
    const asked = sameFile ? parseRange(request.headers.range, stored.size) : ({ kind: 'whole' } as const);
    if (asked.kind === 'unsatisfiable') {
      return reply.code(416).header('content-range', `bytes */${stored.size}`).type('text/plain; charset=utf-8').send('');
    }
    const range = asked.kind === 'part' ? { start: asked.start, end: asked.end } : undefined;
    if (range) reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${stored.size}`);
    reply.header('content-length', range ? range.end - range.start + 1 : stored.size);
    if (request.method === 'HEAD' || stored.size === 0) return reply.send('');
    // The store streams the bytes (from disk, or a Range GET on the bucket); nothing is held in memory.
    return reply.send(await ctx.store.open(key, range));
  }

  app.get(
    '/media/items/:id/:generation/:file',
    { config: { access: 'member', scope: scopeOf('item') }, schema: { params: Type.Object(MediaParams) } },
    async (request, reply) => send(request, reply, await items.get(request.params.id), request.params.generation, request.params.file),
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
      return send(request, reply, item, request.params.generation, request.params.file);
    },
  );
};
