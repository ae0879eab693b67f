import type { FastifyError, FastifyInstance } from 'fastify';
import { isVettedError } from '../domain/errors.js';

/** One error handler: known errors become {error: {code, message}}; a 5xx never leaks internals. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isVettedError(error)) {
      return reply.status(error.httpStatus).send({ error: { code: error.code, message: error.message } });
    }
    if (error.validation) {
      const first = error.validation[0];
      const field = first?.instancePath?.replace(/^\//, '') || (first?.params as { missingProperty?: string })?.missingProperty;
      const message = field
        ? `The field "${field}" ${first?.message ?? 'is not valid'}.`
        : `The request is not valid: ${error.message}.`;
      return reply.status(400).send({ error: { code: 'invalid_request', message } });
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.status(413).send({ error: { code: 'body_too_large', message: 'The request is too large.' } });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply
          .status(415)
          .send({ error: { code: 'unsupported_media_type', message: 'Send the request as JSON (content-type: application/json).' } });
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return reply.status(400).send({ error: { code: 'invalid_json', message: 'The request body is not valid JSON.' } });
    }
    // Postgres cannot store some text (a NUL byte in a filter or a field): that is the request's fault, not ours.
    if (isUnstorableText(error)) {
      return reply.status(400).send({
        error: { code: 'invalid_text', message: 'The request holds a character that cannot be used (such as a NUL byte). Remove it and try again.' },
      });
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ error: { code: 'bad_request', message: error.message } });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply
      .status(500)
      .send({ error: { code: 'internal_error', message: 'Something went wrong on the server. Try again in a moment.' } });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: 'not_found', message: `There is nothing at ${request.method} ${request.url.split('?')[0]}.` } });
  });
}

/** Postgres' "invalid byte sequence" (22021, e.g. a NUL in text) and "untranslatable character" (22P05). */
function isUnstorableText(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '22021' || code === '22P05';
}
