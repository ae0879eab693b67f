import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrations } from '../../migrations/index.js';
import type { Database } from './schema.js';

// bigint (int8) arrives as a string by default; sizes in bytes fit easily in a double.
pg.types.setTypeParser(20, (v) => v);

export type Db = Kysely<Database>;

export function createDb(databaseUrl: string, max = 10, onIdleError: (e: Error) => void = defaultIdleError): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max });
  // An idle pooled connection that the server ends (restart, failover, admin) is reported here;
  // with no listener it would be an uncaught exception and take the process down. The pool
  // replaces the connection on next use.
  pool.on('error', onIdleError);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

function defaultIdleError(e: Error): void {
  console.error(`[db] an idle database connection was closed by the server: ${e.message}`);
}

/** Applies every pending migration; throws with the failing migration's error. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  // Numbers are handed out to parallel pieces of work, so a later-numbered migration may already be applied
  // when an earlier one arrives: apply it too rather than refuse to start.
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Creates the database named in the URL if it does not exist yet (a fresh machine has none). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) return;
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((e: { code?: string }) => {
        if (e.code !== '42P04') throw e; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}
