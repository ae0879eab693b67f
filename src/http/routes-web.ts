import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../platform/paths.js';
import { Bytes, Text, withErrors } from './contract/index.js';

/** The built web app (`npm run build:web`, run by `npm start` and `npm test` first). */
export const WEB_DIST = path.join(projectRoot(), 'web', 'dist');

/**
 * Pages carry no secrets; the API behind them checks every call. Scripts, styles, fonts and images
 * are our own files only — nothing from another host, no inline script. Frames: only our own
 * clean copies of web pages, shown to the teacher who vets them.
 */
const PAGE_CSP =
  "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; " +
  "font-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const notBuilt = (reply: FastifyReply) =>
  reply
    .status(503)
    .type('text/plain; charset=utf-8')
    .send('The web app has not been built. Run "npm run build:web" (npm start and npm test do it for you).');

const Page = { response: withErrors({ 200: Text('text/html', 'the page'), 503: Text('text/plain', 'the web app has not been built') }) };

/** The teacher desk (`/`), the admin console (`/admin`), the classroom board and its pairing page. */
export const webRoutes: FastifyPluginAsync = async (app) => {
  const page = (file: string) => async (_req: unknown, reply: FastifyReply) => {
    if (!existsSync(path.join(WEB_DIST, file))) return notBuilt(reply);
    reply.header('content-security-policy', PAGE_CSP).header('cache-control', 'no-cache');
    return reply.sendFile(file, WEB_DIST, { cacheControl: false });
  };
  app.get('/', { config: { access: 'anyone' }, schema: Page }, page('index.html'));
  app.get('/admin', { config: { access: 'anyone' }, schema: Page }, page('admin.html'));
  app.get('/pair', { config: { access: 'anyone' }, schema: Page }, page('pair.html'));
  app.get(
    '/board/:token',
    { config: { access: 'anyone' }, schema: { params: Type.Object({ token: Type.String({ maxLength: 100 }) }), ...Page } },
    page('board.html'),
  );
  // Built assets carry a content hash in their name: a new build is a new URL, so cache them for a year.
  app.get(
    '/assets/:file',
    {
      config: { access: 'anyone' },
      schema: {
        params: Type.Object({ file: Type.String({ pattern: '^[A-Za-z0-9._-]+$', maxLength: 200 }) }),
        response: withErrors({ 200: Bytes('a built script, style sheet, font or picture') }),
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'public, max-age=31536000, immutable');
      return reply.sendFile((request.params as { file: string }).file, path.join(WEB_DIST, 'assets'), { cacheControl: false });
    },
  );
  app.get('/favicon.svg', { config: { access: 'anyone' }, schema: { response: withErrors({ 200: Text('image/svg+xml', 'the icon') }) } }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=86400');
    return reply.sendFile('favicon.svg', WEB_DIST, { cacheControl: false });
  });
};
