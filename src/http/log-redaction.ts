import type { FastifyRequest } from 'fastify';

/**
 * A board token is the board's only credential: whoever reads it in a log could open the class's board. Every
 * path that carries one (`/board/:token`, `/api/board/:token…`, `/media/board/:token/…`) is logged without it.
 */
export function redactBoardTokens(url: string): string {
  return url.replace(/\/board\/[^/?#]+/g, '/board/[redacted]');
}

/**
 * The school-account sign-in's callback carries a one-time authorization code and the attempt's state: neither
 * belongs in a log, where someone quick could try to redeem the code.
 */
export function redactSignInCodes(url: string): string {
  if (!url.startsWith('/api/auth/oidc/callback?')) return url;
  return url.replace(/([?&](?:code|state|session_state)=)[^&#]*/g, '$1[redacted]');
}

/** The request as the log sees it: fastify's usual fields, with board tokens and sign-in codes taken out of the URL. */
export function logRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactSignInCodes(redactBoardTokens(request.url)),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
