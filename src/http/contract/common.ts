import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

/**
 * The building blocks of the HTTP contract's shapes (see ../../../../shared/design/api.md and the README).
 * This folder is imported by the routes, which declare their answers with it (fastify serialises with these
 * schemas and @fastify/swagger publishes them), and by the web app for its types only (`import type`), so the
 * server and the pages cannot drift apart. It imports nothing but TypeBox: no server module, no Node API.
 */

/** One of a few words: a plain string enum (cheaper to serialise and clearer in OpenAPI than a union of literals). */
export const Choice = <const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnsafe<T[number]> =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** An ISO 8601 time, as every time in the API is written. */
export const IsoTime = Type.String({ description: 'ISO 8601 time' });

/** `{error: {code, message}}`: a machine word to switch on and a sentence a teacher can act on. */
export const Problem = Type.Object({ code: Type.String(), message: Type.String() });
export const ErrorBody = Type.Object({ error: Problem }, { description: 'The request could not be done: `code` says why, `message` in words' });

/** Text that is not JSON (CSV, a PAC file, an SVG, a page), by its media type. */
export const Text = (mediaType: string, description: string) => ({
  description,
  content: { [mediaType]: { schema: Type.String() } },
});

/** An answer a service prepares as JSON text ahead of time (the board's, kept until it changes): the schema, or its JSON. */
export const Prepared = <T extends TSchema>(schema: T): TUnsafe<Static<T> | string> => Type.Unsafe<Static<T> | string>(schema);

/** JSON, or with `?format=csv` the same as CSV text (a download for governors); the body is one or the other. */
export const JsonOrCsv = <T extends TSchema>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema: Type.Unsafe<Static<T> | string>(schema) }, 'text/csv': { schema: Type.String() } },
});

/** A file or a stream of bytes. */
export const Bytes = (description: string) => ({
  description,
  content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } },
});

/** An answer with no body (204, 302, 304). */
export const Empty = (description: string) => Type.Unsafe<undefined>({ type: 'null', description });

/**
 * The answers a route declares: its own, plus the error shape for every 4xx and 5xx (access, validation and
 * the error handler answer with it on any route).
 */
export const withErrors = <T extends Record<number, unknown>>(answers: T) => ({ ...answers, '4xx': ErrorBody, '5xx': ErrorBody });
