import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../api-context.js';
import { VettedError } from '../domain/errors.js';
import { uploadAndQueue } from '../services/uploads.js';
import { actorOf, scopeOf } from './access.js';
import { Uuid } from './schemas.js';
import { presentItem } from './present.js';
import { Item, withErrors } from './contract/index.js';

/**
 * Uploading a video file: the way out when a site (often YouTube) refuses downloads. The body is
 * the file itself (`application/octet-stream` or `video/*`), streamed to disk, never held in memory.
 * Like JSON, such a body cannot come from another site's form (forms send only urlencoded, multipart
 * or text/plain, and a script needs a CORS permission Vetted never gives), and the Origin check
 * still applies. The original is kept so the teacher can trim and re-make the item later.
 */
export const uploadRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  // Hand the raw request stream to the handler; this scope only.
  const passStream = (_request: unknown, payload: Readable, done: (err: Error | null, body?: unknown) => void) => done(null, payload);
  app.addContentTypeParser('application/octet-stream', passStream);
  app.addContentTypeParser(/^video\//, passStream);

  app.post(
    '/api/playlists/:id/uploads',
    {
      config: { access: 'member', scope: scopeOf('playlist') },
      schema: {
        params: Type.Object({ id: Uuid }),
        querystring: Type.Object({
          filename: Type.String({ minLength: 1, maxLength: 255 }),
          title: Type.Optional(Type.String({ maxLength: 300 })),
        }),
        response: withErrors({ 202: Item }),
      },
    },
    async (request, reply) => {
      const body = request.body as Readable | undefined;
      if (!body || typeof (body as Readable).pipe !== 'function') {
        throw new VettedError('upload_not_a_file', 'Send the video file itself as the request body.', { httpStatus: 415 });
      }
      let item;
      try {
        item = await uploadAndQueue(ctx, actorOf(request), {
          playlistId: request.params.id,
          fileName: request.query.filename,
          title: request.query.title,
          declaredBytes: Number(request.headers['content-length'] ?? NaN),
          body,
        }, request.log);
      } catch (e) {
        // The client may still be sending a refused file: close the connection after the answer.
        reply.header('connection', 'close');
        throw e;
      }
      reply.status(202);
      return presentItem(item);
    },
  );
};
