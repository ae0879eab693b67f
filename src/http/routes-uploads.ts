import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pipeline, Transform, type Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { VettedError } from '../domain/errors.js';
import { titleFromUrl } from '../sources/direct-media.js';
import { scopeOf, staffOf } from './access.js';
import { Uuid } from './schemas.js';
import { playlistNotFound } from './routes-classes.js';
import { presentItem } from './present.js';

const tooLarge = (max: number) =>
  new VettedError('upload_too_large', `The file is larger than the ${Math.floor(max / 1024 ** 2)} MB this installation accepts. Trim it or choose a shorter video.`, {
    httpStatus: 413,
  });

const incomplete = () =>
  new VettedError('upload_incomplete', 'The upload stopped before the whole file arrived. Try again.', { httpStatus: 400 });

/**
 * Uploading a video file: the way out when a site (often YouTube) refuses downloads. The body is
 * the file itself (`application/octet-stream` or `video/*`), streamed to disk, never held in memory.
 * Like JSON, such a body cannot come from another site's form (forms send only urlencoded, multipart
 * or text/plain, and a script needs a CORS permission Vetted never gives), and the Origin check
 * still applies. The original is kept so the teacher can trim and re-make the item later.
 */
export const uploadRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { items, playlists, audit } = ctx.repos;
  const max = ctx.config.maxDownloadBytes;
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
      },
    },
    async (request, reply) => {
      const staff = staffOf(request);
      const playlist = await playlists.get(request.params.id);
      if (!playlist) throw playlistNotFound();
      const declared = Number(request.headers['content-length'] ?? NaN);
      if (declared > max) throw tooLarge(max);
      const body = request.body as Readable | undefined;
      if (!body || typeof (body as Readable).pipe !== 'function') {
        throw new VettedError('upload_not_a_file', 'Send the video file itself as the request body.', { httpStatus: 415 });
      }

      const id = randomUUID();
      let received = 0;
      const count = new Transform({
        transform(chunk: Buffer, _enc, next) {
          received += chunk.length;
          next(received > max ? tooLarge(max) : null, chunk);
        },
        // Checked before the store finishes the file, so a short or empty body is never kept.
        flush(done) {
          if (received === 0) done(new VettedError('upload_empty', 'The file is empty.', { httpStatus: 400 }));
          else if (Number.isFinite(declared) && received !== declared) done(incomplete());
          else done();
        },
      });
      try {
        await ctx.store.saveOriginal(id, pipeline(body, count, () => {}));
      } catch (e) {
        // The client may still be sending a refused file: close the connection after the answer.
        reply.header('connection', 'close');
        await ctx.store.removeItem(id);
        if (e instanceof VettedError) throw e;
        throw incomplete();
      }

      const fileName = path.basename(request.query.filename).slice(0, 200);
      const title = request.query.title?.trim() || titleFromUrl(new URL(`file:///${encodeURIComponent(fileName)}`)) || 'Uploaded video';
      const item = await items.create({
        id,
        playlistId: playlist.id,
        url: `upload:${fileName}`,
        // Never shared with another submission: each upload is its own source.
        canonicalUrl: `upload:${id}`,
        kind: 'video',
        title,
        startSeconds: null,
        endSeconds: null,
        submittedBy: staff.user.id,
        details: { link: 'upload', fileName, siteName: 'Uploaded file', uploadBytes: received },
      });
      await audit.record({ actorId: staff.user.id, actorKind: 'staff', action: 'item.upload', target: `item:${item.id}`, ip: request.ip, detail: { fileName, bytes: received } });
      await ctx.producer.enqueue('fetch', item.id, item.media_generation).catch((e) => request.log.warn({ err: e }, 'enqueue failed; the reconciler will retry'));
      reply.status(202);
      return presentItem(item);
    },
  );
};
