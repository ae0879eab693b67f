import type { ColumnType, Generated } from 'kysely';

/**
 * Columns and tables of migrations/004_sign_in_methods.ts (school-account sign-in), added to the service's
 * `Database` type beside schema.ts, as governance-schema.ts does.
 */
export type SignInMethod = 'password' | 'school_account';

export interface SignInAttemptsTable {
  id: string;
  state: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

declare module './schema.js' {
  interface UsersTable {
    /** The provider and the person's subject there, recorded at the first school-account sign-in. */
    oidc_issuer: ColumnType<string | null, string | null | undefined, string | null>;
    oidc_subject: ColumnType<string | null, string | null | undefined, string | null>;
    /** The one admin who may still sign in with a password when password sign-in is off. */
    break_glass: Generated<boolean>;
  }
  interface SessionsTable {
    sign_in_method: Generated<SignInMethod>;
  }
  interface Database {
    sign_in_attempts: SignInAttemptsTable;
  }
}
