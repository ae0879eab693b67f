import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BoardService, BoardView } from '../services/board.js';
import { eventStreams } from './sse.js';
import { unknownBoard } from '../domain/errors.js';

import { BoardToken as Token } from './schemas.js';
import { Text, withErrors } from './contract/index.js';

/** How often an open board is re-checked even without a notification (a cache hit when nothing changed). */
const RECHECK_MS = 10_000;
/** Changes come in bursts (a reorder touches every item): gather them before re-reading the board. */
const GATHER_MS = 100;

/**
 * `GET /api/board/:token/events`: a server-sent event stream of the board's contents. It sends the
 * same body as `GET /api/board/:token` now and whenever it changes — an item approved, reported,
 * taken off, re-ordered, or past its expiry — so an open board updates within a second without
 * reloading. Both come from the board service, the one place that decides what a board may see; the
 * service says when a class's board may have changed, and each open board then re-reads once (the
 * boards of one class share that read). A board link that stops working (rotated, class deleted)
 * gets `gone` and the stream ends.
 */
export const boardEventRoutes: FastifyPluginAsyncTypebox<{ board: BoardService }> = async (app, { board }) => {
  const streams = eventStreams(app);

  app.get(
    '/api/board/:token/events',
    {
      config: { access: 'board' },
      schema: {
        params: Type.Object({ token: Token }),
        response: withErrors({ 200: Text('text/event-stream', '`board` events with the board answer as data; `gone` when the link stops working') }),
      },
    },
    async (request, reply) => {
      const token = request.params.token;
      const first = await board.read(token);
      if (!first) throw unknownBoard();

      let gather: NodeJS.Timeout | undefined;
      let expiry: NodeJS.Timeout | undefined;
      let lastSent = '';
      const stream = streams.open(request, reply, () => {
        off();
        clearInterval(poll);
        if (gather) clearTimeout(gather);
        if (expiry) clearTimeout(expiry);
      });

      const publish = (view: BoardView | undefined) => {
        if (stream.isEnded()) return;
        if (!view) {
          stream.send('gone', '{}');
          return stream.end();
        }
        if (view.body === lastSent) return;
        lastSent = view.body;
        stream.send('board', view.body);
        // Wake up when the first item on show reaches its expiry, so it leaves the board on time.
        if (expiry) clearTimeout(expiry);
        expiry = Number.isFinite(view.validUntil)
          ? setTimeout(() => void recheck(), Math.min(Math.max(view.validUntil - Date.now(), 0) + 50, 2 ** 31 - 1))
          : undefined;
      };
      const recheck = async () => {
        if (stream.isEnded()) return;
        try {
          publish(await board.read(token));
        } catch {
          /* the database is briefly away: the next notification or poll tries again */
        }
      };
      const off = board.watch(first.classId, () => {
        if (!gather) gather = setTimeout(() => ((gather = undefined), void recheck()), GATHER_MS);
      });
      const poll = setInterval(() => void recheck(), RECHECK_MS);
      publish(first);
    },
  );
};
