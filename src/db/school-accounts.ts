import { sql } from 'kysely';
import type { Db } from './database.js';
import type { Role, UserRow } from './schema.js';
import { normaliseEmail } from './users.js';

/** Stored instead of a password hash for an account made at a school-account sign-in: no password matches it. */
export const NO_PASSWORD = '!school-account';

/** How long a started sign-in may take at the provider before it has to be started again. */
export const ATTEMPT_MINUTES = 10;

/**
 * Sign-ins in flight at once, at most. Starting one needs no account, so without a ceiling anyone could fill the
 * table; a whole school signing in at 8:30 stays far below it.
 */
export const MAX_ATTEMPTS_IN_FLIGHT = 10_000;

export interface SignInAttempt {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
}

/**
 * Staff accounts as school-account sign-in sees them: linked to a person at the provider, made at first
 * sign-in, and the break-glass admin. Also the sign-in attempts in flight, each usable once.
 */
export function schoolAccountsRepository(db: Db) {
  return {
    async bySubject(issuer: string, subject: string): Promise<UserRow | undefined> {
      return db.selectFrom('users').selectAll().where('oidc_issuer', '=', issuer).where('oidc_subject', '=', subject).executeTakeFirst();
    },

    /** Links an account to a person at the provider, once: false if it is already linked (to anyone). */
    async link(userId: string, issuer: string, subject: string): Promise<boolean> {
      const r = await db
        .updateTable('users')
        .set({ oidc_issuer: issuer, oidc_subject: subject })
        .where('id', '=', userId)
        .where('oidc_subject', 'is', null)
        .executeTakeFirst();
      return r.numUpdatedRows === 1n;
    },

    /** A new account for a person from the provider; it has no password. undefined if the e-mail or subject is taken meanwhile. */
    async createLinked(email: string, role: Role, issuer: string, subject: string): Promise<UserRow | undefined> {
      return db
        .insertInto('users')
        .values({ email: normaliseEmail(email), password_hash: NO_PASSWORD, role, oidc_issuer: issuer, oidc_subject: subject })
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst();
    },

    async breakGlassAdmin(): Promise<UserRow | undefined> {
      return db.selectFrom('users').selectAll().where('break_glass', '=', true).executeTakeFirst();
    },

    /** Names the break-glass admin (replacing any other), or clears it with null. */
    async nameBreakGlass(userId: string | null): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ break_glass: false }).where('break_glass', '=', true).execute();
        if (userId) await trx.updateTable('users').set({ break_glass: true }).where('id', '=', userId).execute();
      });
    },

    /**
     * Keeps a started sign-in, keyed by the hash of the browser's attempt cookie; forgets ones too old to finish.
     * false when too many are in flight.
     */
    async saveAttempt(id: string, attempt: SignInAttempt): Promise<boolean> {
      await db.deleteFrom('sign_in_attempts').where(sql<boolean>`created_at < now() - make_interval(mins => ${ATTEMPT_MINUTES})`).execute();
      const { n } = await db.selectFrom('sign_in_attempts').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
      if (n >= MAX_ATTEMPTS_IN_FLIGHT) return false;
      await db
        .insertInto('sign_in_attempts')
        .values({ id, state: attempt.state, nonce: attempt.nonce, code_verifier: attempt.codeVerifier, return_to: attempt.returnTo })
        .execute();
      return true;
    },

    /** Takes a started sign-in out (it works once), if it is still fresh. */
    async takeAttempt(id: string): Promise<SignInAttempt | undefined> {
      const row = await db.deleteFrom('sign_in_attempts').where('id', '=', id).returningAll().executeTakeFirst();
      if (!row || Date.now() - row.created_at.getTime() > ATTEMPT_MINUTES * 60_000) return undefined;
      return { state: row.state, nonce: row.nonce, codeVerifier: row.code_verifier, returnTo: row.return_to };
    },
  };
}

export type SchoolAccountsRepository = ReturnType<typeof schoolAccountsRepository>;
