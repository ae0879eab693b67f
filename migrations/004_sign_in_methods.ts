import { sql, type Kysely } from 'kysely';

// School-account sign-in (OpenID Connect): the provider subject an account is linked to, the break-glass admin
// who may still use a password when password sign-in is off, how each session began, and the sign-in attempts
// in flight (state, nonce and PKCE verifier kept here, never in the browser).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('oidc_issuer', 'text')
    .addColumn('oidc_subject', 'text')
    .addColumn('break_glass', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  // One Vetted account per person at the provider.
  await sql`CREATE UNIQUE INDEX users_oidc_subject_idx ON users (oidc_issuer, oidc_subject) WHERE oidc_subject IS NOT NULL`.execute(db);
  // At most one break-glass admin: naming a new one replaces the old.
  await sql`CREATE UNIQUE INDEX users_break_glass_idx ON users (break_glass) WHERE break_glass`.execute(db);

  await db.schema
    .alterTable('sessions')
    .addColumn('sign_in_method', 'text', (c) => c.notNull().defaultTo('password').check(sql`sign_in_method IN ('password', 'school_account')`))
    .execute();

  await db.schema
    .createTable('sign_in_attempts')
    // sha256 of the browser's attempt cookie: the cookie alone is useless without the row, and the row without it.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('return_to', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('sign_in_attempts_created_idx').on('sign_in_attempts').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sign_in_attempts').execute();
  await db.schema.alterTable('sessions').dropColumn('sign_in_method').execute();
  await sql`DROP INDEX users_break_glass_idx`.execute(db);
  await sql`DROP INDEX users_oidc_subject_idx`.execute(db);
  await db.schema.alterTable('users').dropColumn('break_glass').dropColumn('oidc_subject').dropColumn('oidc_issuer').execute();
}
