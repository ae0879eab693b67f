import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../api-context.js';
import { classService } from '../services/classes.js';
import { createPlaylist, playlistContents } from '../services/playlists.js';
import { actorOf, scopeOf } from './access.js';
import { presentPlaylist } from './present.js';
import { Email, Uuid } from './schemas.js';
import { BoardLinkAnswer, ClassCreated, ClassDetail, ClassList, Empty, MemberAdded, Playlist, PlaylistSummary, withErrors } from './contract/index.js';

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });


/**
 * Classes and their playlists. A class belongs to its member teachers: `member` routes answer 404 to anyone
 * else (an admin is a member of every class), so a teacher cannot even learn that another class exists.
 */
export const classRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const service = classService(ctx);
  const ofClass = scopeOf('class');

  app.post('/api/classes', { config: { access: 'staff' }, schema: { body: Type.Object({ name: Name }), response: withErrors({ 201: ClassCreated }) } }, async (request, reply) => {
    reply.status(201);
    return service.create(actorOf(request), request.body.name.trim());
  });

  app.get('/api/classes', { config: { access: 'staff' }, schema: { response: withErrors({ 200: ClassList }) } }, async (request) => ({ classes: await service.list(actorOf(request)) }));

  app.get('/api/classes/:id', { config: { access: 'member', scope: ofClass }, schema: { params: Type.Object({ id: Uuid }), response: withErrors({ 200: ClassDetail }) } }, async (request) =>
    service.get(request.params.id),
  );

  app.delete('/api/classes/:id', { config: { access: 'member', scope: ofClass }, schema: { params: Type.Object({ id: Uuid }), response: withErrors({ 204: Empty('deleted') }) } }, async (request, reply) => {
    await service.remove(actorOf(request), request.params.id);
    return reply.status(204).send();
  });

  app.post(
    '/api/classes/:id/members',
    {
      config: { access: 'member', scope: ofClass },
      schema: { params: Type.Object({ id: Uuid }), body: Type.Object({ email: Email }), response: withErrors({ 201: MemberAdded, 200: MemberAdded }) },
    },
    async (request, reply) => {
      const result = await service.addMember(actorOf(request), request.params.id, request.body.email);
      reply.status(result.added ? 201 : 200);
      return { member: result.member, members: result.members };
    },
  );

  app.delete(
    '/api/classes/:id/members/:userId',
    { config: { access: 'member', scope: ofClass }, schema: { params: Type.Object({ id: Uuid, userId: Uuid }), response: withErrors({ 204: Empty('no longer a member') }) } },
    async (request, reply) => {
      await service.removeMember(actorOf(request), request.params.id, request.params.userId);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/classes/:id/board/rotate',
    { config: { access: 'member', scope: ofClass }, schema: { params: Type.Object({ id: Uuid }), response: withErrors({ 200: BoardLinkAnswer }) } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return service.rotateBoard(actorOf(request), request.params.id);
    },
  );

  app.post(
    '/api/playlists',
    {
      config: { access: 'member', scope: scopeOf('class', 'classId', 'body') },
      schema: {
        body: Type.Object({
          classId: Uuid,
          name: Name,
          kind: Type.Union([Type.Literal('videos'), Type.Literal('sites')]),
        }),
        response: withErrors({ 201: PlaylistSummary }),
      },
    },
    async (request, reply) => {
      const row = await createPlaylist(ctx, actorOf(request), request.body.classId, request.body.name.trim(), request.body.kind);
      reply.status(201);
      return { id: row.id, classId: row.class_id, name: row.name, kind: row.kind };
    },
  );

  app.get(
    '/api/playlists/:id',
    { config: { access: 'member', scope: scopeOf('playlist') }, schema: { params: Type.Object({ id: Uuid }), response: withErrors({ 200: Playlist }) } },
    async (request) => presentPlaylist(await playlistContents(ctx, request.params.id)),
  );
};
