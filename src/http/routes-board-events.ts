import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import type { ItemEvents } from '../db/item-events.js';
import { classOfBoard } from './routes-board.js';

const Token = Type.String({ minLength: 10, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' });

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
  // Open streams never end by themselves: end them when the server shuts down, or close() waits forever.
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const finish of [...open]) finish();
  });

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

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });

      let playlistIds = new Set((await ctx.repos.playlists.listByClasses([cls.id])).map((p) => p.id));
      let visible = new Set<string>();
      let lastSent = '';
      let ended = false;
      let gather: NodeJS.Timeout | undefined;
      let expiry: NodeJS.Timeout | undefined;

      const publish = ({ status, body }: { status: number; body: string }) => {
        if (ended) return;
        if (status === 404) {
          res.write('event: gone\ndata: {}\n\n');
          return finish();
        }
        if (status !== 200 || body === lastSent) return;
        lastSent = body;
        const parsed = JSON.parse(body) as BoardBody;
        const shown = (parsed.playlists ?? []).flatMap((p) => p.items ?? []);
        visible = new Set(shown.map((i) => i.id));
        res.write(`event: board\ndata: ${body}\n\n`);
        // Wake up when the first item on show reaches its expiry, so it leaves the board on time.
        if (expiry) clearTimeout(expiry);
        const next = Math.min(
          ...shown.map((i) => (i.expiresAt ? Date.parse(i.expiresAt) : Infinity)).filter((t) => t > Date.now()),
        );
        if (Number.isFinite(next)) expiry = setTimeout(() => void recheck(), Math.min(next - Date.now() + 50, 2 ** 31 - 1));
      };
      const recheck = async () => {
        if (ended) return;
        publish(await readBoard().catch(() => ({ status: 0, body: '' })));
      };
      const soon = () => {
        if (!gather) gather = setTimeout(() => ((gather = undefined), void recheck()), GATHER_MS);
      };

      const off = events.on((change) => {
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
      const poll = setInterval(() => void recheck(), RECHECK_MS);
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      function finish() {
        if (ended) return;
        ended = true;
        open.delete(finish);
        off();
        clearInterval(poll);
        clearInterval(heartbeat);
        if (gather) clearTimeout(gather);
        if (expiry) clearTimeout(expiry);
        res.end();
      }
      open.add(finish);
      request.raw.on('close', finish);
      res.write('retry: 3000\n\n');
      publish(first);
    },
  );
};
