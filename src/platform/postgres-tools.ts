import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { findOnPath } from './programs.js';

const DEBIAN_PG_ROOT = '/usr/lib/postgresql';

/** The server's major version (15, 16…), asked of the server itself. */
export async function serverMajorVersion(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>('SHOW server_version_num');
    return Math.floor(Number(rows[0]!.v) / 10000);
  } finally {
    await client.end();
  }
}

/**
 * pg_dump and pg_restore must be at least as new as the server they talk to: Debian's folder for
 * that major version, else the oldest newer one installed, else whatever is on PATH.
 */
export function postgresTool(name: 'pg_dump' | 'pg_restore', serverMajor: number, binDir?: string): string {
  if (binDir && existsSync(path.join(binDir, name))) return path.join(binDir, name);
  const versions = existsSync(DEBIAN_PG_ROOT)
    ? readdirSync(DEBIAN_PG_ROOT)
        .filter((v) => /^\d+$/.test(v) && Number(v) >= serverMajor && existsSync(path.join(DEBIAN_PG_ROOT, v, 'bin', name)))
        .sort((a, b) => Number(a) - Number(b))
    : [];
  if (versions[0]) return path.join(DEBIAN_PG_ROOT, versions[0], 'bin', name);
  const onPath = findOnPath(name);
  if (onPath) return onPath;
  throw new Error(`${name} for PostgreSQL ${serverMajor} or newer is not installed. Install it ("sudo apt-get install -y postgresql-client").`);
}
