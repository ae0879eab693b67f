import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Readable } from 'node:stream';
import type { AppContext } from '../api-context.js';
import { VettedError } from '../domain/errors.js';
import { youtubeService } from '../services/youtube.js';
import { staffOf } from './access.js';
import { withErrors, YoutubeProgramInstalled, YoutubeStatus, YoutubeUpdateQueued } from './contract/index.js';

/**
 * The admin console's YouTube page: what runs (backend, yt-dlp's version and age, the JavaScript runtime), the
 * updater and its last outcome, the warnings an admin can act on; the daily update on or off; "update now" (a job for
 * the worker, which is where yt-dlp runs); and the upload of a yt-dlp program for schools without internet access.
 */
export const youtubeRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const youtube = youtubeService(ctx);
  // The program itself, streamed; this scope only.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

  app.get('/api/admin/youtube', { config: { access: 'admin' }, schema: { response: withErrors({ 200: YoutubeStatus }) } }, async () => youtube.status());

  app.put(
    '/api/admin/youtube',
    {
      config: { access: 'admin' },
      schema: {
        body: Type.Object(
          { updaterEnabled: Type.Optional(Type.Boolean()), potProviderEnabled: Type.Optional(Type.Boolean()) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: withErrors({ 200: YoutubeStatus }),
      },
    },
    async (request) => youtube.changeSettings(request.body, { id: staffOf(request).user.id, ip: request.ip }),
  );

  app.post('/api/admin/youtube/update', { config: { access: 'admin' }, schema: { response: withErrors({ 202: YoutubeUpdateQueued }) } }, async (request, reply) => {
    const staff = staffOf(request);
    await youtube.requestUpdate({ id: staff.user.id, ip: request.ip });
    return reply.code(202).send({ queued: true });
  });

  app.post('/api/admin/youtube/program', { config: { access: 'admin' }, schema: { response: withErrors({ 200: YoutubeProgramInstalled }) } }, async (request, reply) => {
    const body = request.body as Readable | undefined;
    if (!body || typeof body.pipe !== 'function') {
      throw new VettedError('upload_not_a_file', 'Send the yt-dlp program itself as the request body (application/octet-stream).', { httpStatus: 415 });
    }
    const staff = staffOf(request);
    try {
      return await youtube.installAndReport(body, { id: staff.user.id, ip: request.ip });
    } catch (e) {
      // The client may still be sending a refused file.
      reply.header('connection', 'close');
      throw e;
    }
  });
};
