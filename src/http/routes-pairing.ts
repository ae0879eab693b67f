import { randomInt } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import QRCode from 'qrcode';
import type { AppContext } from '../api-context.js';
import { VettedError } from '../domain/errors.js';
import { scopeOf, staffOf } from './access.js';
import { Uuid } from './schemas.js';
import { boardUrl } from './present.js';
import { PairingCode, Paired, Text, withErrors } from './contract/index.js';

/** No 0/O, 1/I/L: a code read off a screen across a classroom must not be mistyped. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 6;
const CODE_TTL_SECONDS = 600;
/** Tries of a code per address per window: 31^6 codes make guessing hopeless at this rate. */
const TRIES = 10;
const TRIES_WINDOW_SECONDS = 600;

const classNotFound = () => new VettedError('class_not_found', 'That class does not exist.', { httpStatus: 404 });
const pairingUnavailable = () =>
  new VettedError('pairing_unavailable', 'Pairing is not available just now. Open the board link instead, or try again in a minute.', {
    httpStatus: 503,
    transient: true,
  });

export function normaliseCode(raw: string): string {
  return raw.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/**
 * Pairing a classroom board without typing its long secret link:
 * - `GET /api/classes/:id/board-qr.svg` — a QR code of the board link, for a tablet's camera;
 * - `POST /api/classes/:id/pairing` — a six-character code valid for ten minutes, for a whiteboard
 *   with no camera: the board opens `/pair`, types the code and `POST /api/pair` sends it to its board.
 * Codes live in Redis (shared by every API process) and work once.
 */
export const pairingRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const redis = ctx.producer.connection;
  const key = (code: string) => `${ctx.config.queuePrefix}:pair:${code}`;

  app.get(
    '/api/classes/:id/board-qr.svg',
    {
      config: { access: 'member', scope: scopeOf('class') },
      schema: { params: Type.Object({ id: Uuid }), response: withErrors({ 200: Text('image/svg+xml', 'a QR code of the board link') }) },
    },
    async (request, reply) => {
      const cls = await ctx.repos.classes.get(request.params.id);
      if (!cls) throw classNotFound();
      const svg = await QRCode.toString(boardUrl(ctx.config.publicUrl, cls.board_token), {
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
      const staff = staffOf(request);
      const cls = await ctx.repos.classes.get(request.params.id);
      if (!cls) throw classNotFound();
      let code = '';
      try {
        for (let i = 0; i < 5 && !code; i++) {
          const candidate = newCode();
          if ((await redis.set(key(candidate), cls.id, 'EX', CODE_TTL_SECONDS, 'NX')) === 'OK') code = candidate;
        }
      } catch {
        throw pairingUnavailable();
      }
      if (!code) throw pairingUnavailable();
      await ctx.repos.audit.record({
        actorId: staff.user.id,
        actorKind: 'staff',
        action: 'board.pairing_code',
        target: `class:${cls.id}`,
        ip: request.ip,
      });
      reply.status(201).header('cache-control', 'no-store');
      return {
        code,
        expiresAt: new Date(Date.now() + CODE_TTL_SECONDS * 1000).toISOString(),
        pairUrl: `${ctx.config.publicUrl}/pair`,
      };
    },
  );

  app.post(
    '/api/pair',
    {
      config: { access: 'anyone' },
      schema: { body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 20 }) }), response: withErrors({ 200: Paired }) },
    },
    async (request, reply) => {
      const code = normaliseCode(request.body.code);
      const triesKey = `${ctx.config.queuePrefix}:pair-tries:${request.ip}`;
      let classId: string | null;
      try {
        // The try is counted first, in one atomic step (the window starts at the first try: SET NX, and INCR
        // keeps its expiry), so parallel guesses from one address get at most TRIES codes looked at.
        const counted = await redis.multi().set(triesKey, '0', 'EX', TRIES_WINDOW_SECONDS, 'NX').incr(triesKey).exec();
        const tries = Number(counted?.[1]?.[1] ?? NaN);
        if (!Number.isFinite(tries)) throw pairingUnavailable();
        if (tries > TRIES) {
          throw new VettedError('too_many_tries', 'Too many wrong codes were tried from here. Wait ten minutes, or open the board link instead.', {
            httpStatus: 429,
          });
        }
        // GETDEL: a code works once, even if two boards send it at the same moment.
        classId = code.length === CODE_LENGTH ? await redis.getdel(key(code)) : null;
      } catch (e) {
        if (e instanceof VettedError) throw e;
        throw pairingUnavailable();
      }
      const cls = classId ? await ctx.repos.classes.get(classId) : undefined;
      if (cls) {
        // Only wrong codes count: a school pairing many boards from one address is not guessing.
        await redis.decr(triesKey).catch(() => undefined);
      } else {
        throw new VettedError('pairing_code_unknown', 'That code is not known or has expired. Ask your teacher for a new code.', {
          httpStatus: 404,
        });
      }
      await ctx.repos.audit.record({ actorId: null, actorKind: 'board', action: 'board.paired', target: `class:${cls.id}`, ip: request.ip });
      reply.header('cache-control', 'no-store');
      return { class: { id: cls.id, name: cls.name }, boardUrl: boardUrl(ctx.config.publicUrl, cls.board_token) };
    },
  );
};
