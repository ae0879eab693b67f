import Ajv, { type AnySchema } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';

/**
 * How requests are read and checked.
 * - JSON bodies are parsed with prototype-poisoning protection, and a number JSON cannot hold exactly
 *   (`1e400` is Infinity) is refused as invalid JSON: no Infinity or NaN reaches a column.
 * - Path and query strings are text, so their schemas may coerce ("5" → 5); a JSON body is typed by its sender
 *   and is never coerced: `"1e400"` is not a number, `"false"` is not a boolean.
 */
export function installValidation(app: FastifyInstance): void {
  const options = { removeAdditional: false, allErrors: false, useDefaults: true, addUsedSchema: false } as const;
  const forText = addFormats.default(new Ajv.default({ ...options, coerceTypes: 'array' }));
  const forBody = addFormats.default(new Ajv.default({ ...options, coerceTypes: false }));
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? forBody : forText).compile(schema as AnySchema));

  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(jsonError('FST_ERR_CTP_EMPTY_JSON_BODY', 'The request body is empty.'), undefined);
    let parsed: unknown;
    try {
      parsed = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch {
      return done(jsonError('FST_ERR_CTP_INVALID_JSON_BODY', 'The request body is not valid JSON.'), undefined);
    }
    if (!allFinite(parsed)) return done(jsonError('FST_ERR_CTP_INVALID_JSON_BODY', 'A number in the request is too large.'), undefined);
    done(null, parsed);
  });
}

function jsonError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, statusCode: 400 });
}

function allFinite(value: unknown, depth = 0): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (depth > 64) return false;
  if (Array.isArray(value)) return value.every((v) => allFinite(v, depth + 1));
  if (value && typeof value === 'object') return Object.values(value).every((v) => allFinite(v, depth + 1));
  return true;
}
