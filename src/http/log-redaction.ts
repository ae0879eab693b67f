import type { FastifyRequest } from 'fastify';

/**
 * A board token is the board's only credential: whoever reads it in a log could open the class's board. Every
 * path that carries one (`/board/:token`, `/api/board/:token…`, `/media/board/:token/…`) is logged without it.
 */
export function redactBoardTokens(url: string): string {
  return url.replace(/\/board\/[^/?#]+/g, '/board/[redacted]');
}

/** The request as the log sees it: fastify's usual fields, with board tokens taken out of the URL. */
export function logRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactBoardTokens(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
