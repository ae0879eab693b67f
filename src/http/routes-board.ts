import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import type { ClassRow } from '../db/schema.js';
import { VettedError } from '../domain/errors.js';
import { boardMayShow } from '../domain/visibility.js';
import { attentionRepository } from '../db/attention.js';
import { liveSiteJudge } from '../services/live-site.js';
import { presentItem } from './present.js';

import { BoardToken as Token } from './schemas.js';

export const unknownBoard = () =>
  new VettedError('board_not_found', 'This board link is not known. Ask your teacher for the class’s board link.', { httpStatus: 404 });

export async function classOfBoard(ctx: AppContext, token: string): Promise<ClassRow> {
  const cls = await ctx.repos.classes.byBoardToken(token);
  if (!cls) throw unknownBoard();
  return cls;
}

export const boardRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { playlists, items } = ctx.repos;

  app.get(
    '/api/board/:token',
    { config: { access: 'board' }, schema: { params: Type.Object({ token: Token }) } },
    async (request, reply) => {
      const cls = await classOfBoard(ctx, request.params.token);
      const lists = await playlists.listByClasses([cls.id]);
      const now = new Date();
      const viewer = { kind: 'board' as const, token: request.params.token };
      const liveAllowed = await liveSiteJudge(ctx.db);
      await attentionRepository(ctx.db).boardSeen(cls.id);
      const out = [];
      for (const p of lists) {
        const visible = (await items.listByPlaylist(p.id)).filter((i) =>
          boardMayShow({ status: i.status, expiresAt: i.expires_at }, now),
        );
        out.push({ id: p.id, name: p.name, kind: p.kind, items: visible.map((i) => ({ ...presentItem(i, viewer), openLive: i.open_live && liveAllowed(i.url) })) });
      }
      reply.header('cache-control', 'no-store');
      return { class: { id: cls.id, name: cls.name }, playlists: out };
    },
  );
};
