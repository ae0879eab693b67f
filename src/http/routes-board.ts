import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { unknownBoard } from '../domain/errors.js';
import type { BoardService } from '../services/board.js';
import { etagMatches } from './byte-range.js';
import { BoardToken as Token } from './schemas.js';
import { BoardAnswer, Empty, Prepared, withErrors } from './contract/index.js';

export const boardRoutes: FastifyPluginAsyncTypebox<{ board: BoardService }> = async (app, { board }) => {
  app.get(
    '/api/board/:token',
    {
      config: { access: 'board' },
      // The board service makes the JSON (presentBoard, typed by this schema) once per change; 304 when the ETag matches.
      schema: {
        params: Type.Object({ token: Token }),
        response: withErrors({ 200: Prepared(BoardAnswer), 304: Empty('unchanged since the ETag sent') }),
      },
    },
    async (request, reply) => {
      const view = await board.read(request.params.token);
      if (!view) throw unknownBoard();
      // The browser keeps the answer but asks each time; an unchanged board costs a 304 and no query.
      reply.header('etag', view.etag).header('cache-control', 'private, no-cache');
      if (etagMatches(request.headers['if-none-match'], view.etag)) return reply.code(304).send();
      return reply.type('application/json; charset=utf-8').send(view.body);
    },
  );
};
