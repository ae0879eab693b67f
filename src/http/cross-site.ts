import type { FastifyInstance, FastifyRequest } from 'fastify';
import { VettedError } from '../domain/errors.js';
import { addRouteHook, changesState } from './access.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses state changes that another site's page started: a form or script on another site must not
 * act as a signed-in teacher. JSON-only bodies (no form parsers are registered) close the rest.
 */
export function installCrossSiteGuard(app: FastifyInstance, publicUrl: string): void {
  const own = new URL(publicUrl).origin;
  // Only on routes that take a state-changing method: reads (media, board polls) skip it altogether.
  app.addHook('onRoute', (route) => {
    if (changesState(route)) addRouteHook(route, 'onRequest', guard);
  });
  async function guard(request: FastifyRequest) {
    if (SAFE_METHODS.has(request.method)) return;
    if (request.headers['sec-fetch-site'] === 'cross-site') throw refused();
    const origin = request.headers.origin;
    if (!origin) return;
    const host = request.headers.host;
    const sameHost = host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
    if (origin !== own && !sameHost) throw refused();
  }
}

function refused(): VettedError {
  return new VettedError(
    'cross_site_request',
    'This request came from another web site and was refused. Use Vetted’s own pages.',
    { httpStatus: 403 },
  );
}
