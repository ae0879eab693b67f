import { Type, type Static, type TObject } from '@sinclair/typebox';
import { EMAIL_PATTERN } from '../domain/people.js';

/**
 * Identifier shapes shared by the routes. Checked by pattern before any query: a malformed id or token
 * (a NUL byte, a `urn:uuid:` prefix that the format check would let through) never reaches Postgres.
 */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const UUID_RE = new RegExp(UUID_PATTERN);
export const Uuid = Type.String({ pattern: UUID_PATTERN, maxLength: 36 });

/** 256 random bits in base64url (43 characters); the range leaves room for older tokens. */
export const BOARD_TOKEN_PATTERN = '^[A-Za-z0-9_-]{10,100}$';
export const BoardToken = Type.String({ minLength: 10, maxLength: 100, pattern: BOARD_TOKEN_PATTERN });

export const Email = Type.String({ minLength: 3, maxLength: 320, pattern: EMAIL_PATTERN });

/**
 * A JSON body that may also be left out. Fastify checks a missing body as `null`, which an object schema refuses;
 * `nullable` (OpenAPI's word, which Ajv knows) lets it through, and the handler gets `null`.
 */
export const BodyOrNothing = <T extends TObject>(schema: T) => Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });
