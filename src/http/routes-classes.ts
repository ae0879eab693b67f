import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { VettedError } from '../domain/errors.js';
import { attentionService } from '../services/attention.js';
import { staffOf } from './access.js';
import { boardUrl, presentItem } from './present.js';

const Uuid = Type.String({ format: 'uuid' });
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });

export const playlistNotFound = () =>
  new VettedError('playlist_not_found', 'That playlist does not exist (it may have been deleted).', { httpStatus: 404 });

export const classRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { classes, playlists, items, audit } = ctx.repos;

  app.post(
    '/api/classes',
    { config: { access: 'staff' }, schema: { body: Type.Object({ name: Name }) } },
    async (request, reply) => {
      const staff = staffOf(request);
      // 256 bits: the token is the board's only credential, typed rarely (QR codes and pairing later).
      const token = randomBytes(32).toString('base64url');
      const row = await classes.create(request.body.name.trim(), token, staff.user.id);
      await audit.record({ actorId: staff.user.id, actorKind: 'staff', action: 'class.create', target: `class:${row.id}`, ip: request.ip });
      reply.status(201);
      return { id: row.id, name: row.name, board: { token, url: boardUrl(ctx.config.publicUrl, token) } };
    },
  );

  app.get('/api/classes', { config: { access: 'staff' } }, async () => {
    const rows = await classes.list();
    const lists = await playlists.listByClasses(rows.map((c) => c.id));
    const counts = await attentionService(ctx).counts(rows.map((c) => c.id));
    return {
      classes: rows.map((c) => ({
        id: c.id,
        name: c.name,
        board: { token: c.board_token, url: boardUrl(ctx.config.publicUrl, c.board_token) },
        counts: counts.get(c.id) ?? { awaitingReview: 0, reported: 0 },
        boardSeenAt: c.board_seen_at ? c.board_seen_at.toISOString() : null,
        playlists: lists
          .filter((p) => p.class_id === c.id)
          .map((p) => ({ id: p.id, classId: p.class_id, name: p.name, kind: p.kind })),
      })),
    };
  });

  app.post(
    '/api/playlists',
    {
      config: { access: 'staff' },
      schema: {
        body: Type.Object({
          classId: Uuid,
          name: Name,
          kind: Type.Union([Type.Literal('videos'), Type.Literal('sites')]),
        }),
      },
    },
    async (request, reply) => {
      const staff = staffOf(request);
      const cls = await classes.get(request.body.classId);
      if (!cls) throw new VettedError('class_not_found', 'That class does not exist.', { httpStatus: 404 });
      const row = await playlists.create(cls.id, request.body.name.trim(), request.body.kind);
      await audit.record({ actorId: staff.user.id, actorKind: 'staff', action: 'playlist.create', target: `playlist:${row.id}`, ip: request.ip });
      reply.status(201);
      return { id: row.id, classId: row.class_id, name: row.name, kind: row.kind };
    },
  );

  app.get(
    '/api/playlists/:id',
    { config: { access: 'staff' }, schema: { params: Type.Object({ id: Uuid }) } },
    async (request) => {
      const row = await playlists.get(request.params.id);
      if (!row) throw playlistNotFound();
      const list = await items.listByPlaylist(row.id);
      return { id: row.id, classId: row.class_id, name: row.name, kind: row.kind, items: list.map((i) => presentItem(i)) };
    },
  );
};
