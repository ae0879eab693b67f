import { randomInt } from 'node:crypto';
import type { AppContext } from '../api-context.js';
import { VettedError } from '../domain/errors.js';
import { staffEntry, type Actor } from './actor.js';
import { boardUrl } from './classes.js';

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
 * Pairing a classroom board without typing its long secret link: a QR code of the link for a tablet's camera, or a
 * six-character code valid for ten minutes for a whiteboard with no camera (the board opens `/pair` and types it).
 * Codes live in Redis (shared by every API process) and work once.
 */
export function pairingService(ctx: AppContext) {
  const redis = ctx.producer.connection;
  const key = (code: string) => `${ctx.config.queuePrefix}:pair:${code}`;

  async function classOf(classId: string) {
    const cls = await ctx.repos.classes.get(classId);
    if (!cls) throw classNotFound();
    return cls;
  }

  return {
    /** The class's board link, for its QR code. */
    async boardLink(classId: string): Promise<string> {
      return boardUrl(ctx.config.publicUrl, (await classOf(classId)).board_token);
    },

    /** A new code for the class's board (audited). */
    async newCode(actor: Actor, classId: string) {
      const cls = await classOf(classId);
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
      await ctx.repos.audit.record(staffEntry(actor, 'board.pairing_code', `class:${cls.id}`));
      return {
        code,
        expiresAt: new Date(Date.now() + CODE_TTL_SECONDS * 1000).toISOString(),
        pairUrl: `${ctx.config.publicUrl}/pair`,
      };
    },

    /** A board sends the code it was shown: it learns its class and its link (audited), or 404 for a wrong code. */
    async pair(typed: string, ip: string) {
      const code = normaliseCode(typed);
      const triesKey = `${ctx.config.queuePrefix}:pair-tries:${ip}`;
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
      if (!cls) {
        throw new VettedError('pairing_code_unknown', 'That code is not known or has expired. Ask your teacher for a new code.', { httpStatus: 404 });
      }
      // Only wrong codes count: a school pairing many boards from one address is not guessing.
      await redis.decr(triesKey).catch(() => undefined);
      await ctx.repos.audit.record({ actorId: null, actorKind: 'board', action: 'board.paired', target: `class:${cls.id}`, ip });
      return { class: { id: cls.id, name: cls.name }, boardUrl: boardUrl(ctx.config.publicUrl, cls.board_token) };
    },
  };
}
