import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import type { ItemEvents } from '../db/item-events.js';
import { eventStreams } from './sse.js';
import { classOfBoard } from './routes-board.js';

import { BoardToken as Token } from './schemas.js';

/** How often an open board is re-checked even without a notification (lost connection, deleted rows). */
const RECHECK_MS = 10_000;
/** Changes come in bursts (a reorder touches every item): gather them before re-reading the board. */
const GATHER_MS = 150;

interface BoardBody {
  playlists?: Array<{ id: string; items?: Array<{ id: string; expiresAt?: string | null }> }>;
}

/**
 * `GET /api/board/:token/events`: a server-sent event stream of the board's contents. It sends the
 * same body as `GET /api/board/:token` now and whenever it changes — an item approved, reported,
 * taken off, re-ordered, or past its expiry — so an open board updates within seconds without
 * reloading. The body is produced by the board route itself, so there is one place that decides
 * what a board may see.
 */
export const boardEventRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext; events: ItemEvents }> = async (app, { ctx, events }) => {
  const streams = eventStreams(app);

  app.get(
    '/api/board/:token/events',
    { config: { access: 'board' }, schema: { params: Type.Object({ token: Token }) } },
    async (request, reply) => {
      const token = request.params.token;
      const cls = await classOfBoard(ctx, token);
      const readBoard = async (): Promise<{ status: number; body: string }> => {
        const res = await app.inject({ method: 'GET', url: `/api/board/${encodeURIComponent(token)}` });
        return { status: res.statusCode, body: res.body };
      };
      const first = await readBoard();

      let off = () => {};
      let offRevoked = () => {};
      let poll: NodeJS.Timeout | undefined;
      const stream = streams.open(request, reply, () => {
        off();
        offRevoked();
        clearInterval(poll);
        if (gather) clearTimeout(gather);
        if (expiry) clearTimeout(expiry);
      });

      let playlistIds = new Set((await ctx.repos.playlists.listByClasses([cls.id])).map((p) => p.id));
      let visible = new Set<string>();
      let lastSent = '';
      let gather: NodeJS.Timeout | undefined;
      let expiry: NodeJS.Timeout | undefined;

      const publish = ({ status, body }: { status: number; body: string }) => {
        if (stream.isEnded()) return;
        if (status === 404) {
          stream.send('gone', '{}');
          return stream.end();
        }
        if (status !== 200 || body === lastSent) return;
        lastSent = body;
        const parsed = JSON.parse(body) as BoardBody;
        const shown = (parsed.playlists ?? []).flatMap((p) => p.items ?? []);
        visible = new Set(shown.map((i) => i.id));
        stream.send('board', body);
        // Wake up when the first item on show reaches its expiry, so it leaves the board on time.
        if (expiry) clearTimeout(expiry);
        const next = Math.min(
          ...shown.map((i) => (i.expiresAt ? Date.parse(i.expiresAt) : Infinity)).filter((t) => t > Date.now()),
        );
        if (Number.isFinite(next)) expiry = setTimeout(() => void recheck(), Math.min(next - Date.now() + 50, 2 ** 31 - 1));
      };
      const recheck = async () => {
        if (stream.isEnded()) return;
        publish(await readBoard().catch(() => ({ status: 0, body: '' })));
      };
      const soon = () => {
        if (!gather) gather = setTimeout(() => ((gather = undefined), void recheck()), GATHER_MS);
      };

      off = events.on((change) => {
        if (visible.has(change.id)) return soon();
        if (change.status !== 'approved') return;
        if (playlistIds.has(change.playlistId)) return soon();
        // Perhaps a playlist made after this board connected.
        void ctx.repos.playlists
          .listByClasses([cls.id])
          .then((lists) => {
            playlistIds = new Set(lists.map((p) => p.id));
            if (playlistIds.has(change.playlistId)) soon();
          })
          .catch(() => undefined);
      });
      // A rotated or deleted board link ends its open streams at once, not at the next re-check.
      offRevoked = events.onBoardRevoked((classId) => {
        if (classId !== cls.id || stream.isEnded()) return;
        stream.send('gone', '{}');
        stream.end();
      });
      poll = setInterval(() => void recheck(), RECHECK_MS);
      publish(first);
    },
  );
};
