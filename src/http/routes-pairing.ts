import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import QRCode from 'qrcode';
import type { AppContext } from '../api-context.js';
import { pairingService } from '../services/pairing.js';
import { actorOf, scopeOf } from './access.js';
import { Uuid } from './schemas.js';
import { PairingCode, Paired, Text, withErrors } from './contract/index.js';

/**
 * Pairing a classroom board without typing its long secret link (services/pairing.ts):
 * - `GET /api/classes/:id/board-qr.svg` — a QR code of the board link, for a tablet's camera;
 * - `POST /api/classes/:id/pairing` — a six-character code valid for ten minutes, for a whiteboard
 *   with no camera: the board opens `/pair`, types the code and `POST /api/pair` sends it to its board.
 */
export const pairingRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const pairing = pairingService(ctx);

  app.get(
    '/api/classes/:id/board-qr.svg',
    {
      config: { access: 'member', scope: scopeOf('class') },
      schema: { params: Type.Object({ id: Uuid }), response: withErrors({ 200: Text('image/svg+xml', 'a QR code of the board link') }) },
    },
    async (request, reply) => {
      const svg = await QRCode.toString(await pairing.boardLink(request.params.id), {
        type: 'svg',
        errorCorrectionLevel: 'M',
        margin: 2,
      });
      reply
        .type('image/svg+xml; charset=utf-8')
        .header('cache-control', 'private, no-store')
        .header('content-security-policy', "default-src 'none'; sandbox");
      return svg;
    },
  );

  app.post(
    '/api/classes/:id/pairing',
    { config: { access: 'member', scope: scopeOf('class') }, schema: { params: Type.Object({ id: Uuid }), response: withErrors({ 201: PairingCode }) } },
    async (request, reply) => {
      const code = await pairing.newCode(actorOf(request), request.params.id);
      reply.status(201).header('cache-control', 'no-store');
      return code;
    },
  );

  app.post(
    '/api/pair',
    {
      config: { access: 'anyone' },
      schema: { body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 20 }) }), response: withErrors({ 200: Paired }) },
    },
    async (request, reply) => {
      const paired = await pairing.pair(request.body.code, request.ip);
      reply.header('cache-control', 'no-store');
      return paired;
    },
  );
};
