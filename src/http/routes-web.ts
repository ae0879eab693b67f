import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');

// Pages carry no secrets; the API behind them checks every call. Scripts are our own files only.
const PAGE_CSP =
  "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The teacher desk, the board and their assets, served from `web/`. */
export const webRoutes: FastifyPluginAsync = async (app) => {
  const page = (file: string) => async (_req: unknown, reply: import('fastify').FastifyReply) => {
    reply.header('content-security-policy', PAGE_CSP).header('cache-control', 'no-cache');
    return reply.sendFile(file, WEB_ROOT);
  };
  app.get('/', { config: { access: 'anyone' } }, page('index.html'));
  app.get(
    '/board/:token',
    { config: { access: 'anyone' }, schema: { params: Type.Object({ token: Type.String({ maxLength: 100 }) }) } },
    page('board.html'),
  );
  app.get(
    '/assets/:file',
    { config: { access: 'anyone' }, schema: { params: Type.Object({ file: Type.String({ pattern: '^[A-Za-z0-9._-]+$' }) }) } },
    async (request, reply) => {
      reply.header('cache-control', 'no-cache');
      return reply.sendFile((request.params as { file: string }).file, path.join(WEB_ROOT, 'assets'));
    },
  );
  app.get('/healthz', { config: { access: 'anyone' } }, async () => ({ ok: true }));
};
