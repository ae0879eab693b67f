import type { FastifyRequest } from 'fastify';

/** A board link is the board's only key: it never goes into a log, in any path that carries it. */
export function redactBoardToken(url: string): string {
  return url.replace(/\/board\/[^/?#]+/g, '/board/[token]');
}

/** The request fields fastify logs, with board links redacted. */
export function requestLogFields(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactBoardToken(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
