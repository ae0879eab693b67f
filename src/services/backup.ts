import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { migrations } from '../../migrations/index.js';
import type { Config } from '../config.js';
import { ensureDatabase } from '../db/database.js';
import { PACKAGE_VERSION } from '../platform/paths.js';
import { postgresTool, serverMajorVersion } from '../platform/postgres-tools.js';
import { LOCAL_KEPT_FOLDERS } from '../storage/local.js';

/**
 * Backups (`npm run cli -- backup --out FILE [--no-media]`, `restore --from FILE`): one tar
 * archive holding a manifest, a pg_dump of the database (custom format, compressed) and the media
 * folders. pg_dump reads one consistent snapshot while the service runs; it is taken before the
 * media are copied, so every item in the dump finds its files (published files never change; at
 * worst the archive holds a few folders of items made after the snapshot, which `storage check
 * --fix` clears). Work in progress and the job queues are not kept: after a restore the worker's
 * reconciler gives every item in a working state its job back.
 */
export const MANIFEST = 'vetted-backup.json';
const DUMP = 'database.dump';

export interface BackupManifest {
  format: 'vetted-backup';
  formatVersion: 1;
  createdAt: string;
  vettedVersion: string;
  postgresMajor: number;
  migrations: string[];
  /** Top-level media folders in the archive (empty with --no-media). */
  mediaFolders: string[];
  counts: { classes: number; items: number; auditEntries: number };
}

export class BackupError extends Error {}

function runTool(program: string, args: string[], opts: { okCodes?: number[] } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => reject(new BackupError(`${path.basename(program)} could not be run: ${e.message}`)));
    child.on('close', (code) => {
      if ((opts.okCodes ?? [0]).includes(code ?? -1)) resolve(out);
      else reject(new BackupError(`${path.basename(program)} failed (exit ${code}): ${err.trim().split('\n').slice(-5).join(' ')}`));
    });
  });
}

async function withClient<T>(databaseUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function count(c: pg.Client, table: string): Promise<number> {
  const { rows } = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]!.n);
}

async function isEmptyFolder(dir: string): Promise<boolean> {
  const entries = await fs.readdir(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
  return entries.length === 0;
}

export async function backup(
  config: Readonly<Config>,
  databaseUrl: string,
  opts: { out: string; media: boolean },
): Promise<BackupManifest & { bytes: number }> {
  const out = path.resolve(opts.out);
  if (existsSync(out)) throw new BackupError(`${out} already exists. Choose another file name, or delete the old one first.`);
  if (opts.media && config.storage.kind !== 'local') {
    throw new BackupError(
      'The media are in S3, so this command cannot copy them: back up the bucket with the S3 server\'s own tools, ' +
        'and run the backup with --no-media for the database.',
    );
  }
  const kept = opts.media ? LOCAL_KEPT_FOLDERS.filter((f) => existsSync(path.join(config.dataDir, f))) : [];
  for (const f of kept) {
    if (!path.relative(path.join(config.dataDir, f), out).startsWith('..')) {
      throw new BackupError(`The backup cannot be written inside ${path.join(config.dataDir, f)}, which it copies. Choose a file elsewhere.`);
    }
  }
  await fs.mkdir(path.dirname(out), { recursive: true });
  // Staged beside the archive (a dump can be large; /tmp is often small) and renamed into place at
  // the end, so an interrupted backup never leaves a file that looks complete.
  const staging = await fs.mkdtemp(path.join(path.dirname(out), '.vetted-backup-'));
  const partial = `${out}.partial`;
  try {
    const major = await serverMajorVersion(databaseUrl);
    await runTool(postgresTool('pg_dump', major, config.postgresBinDir), ['--format=custom', `--file=${path.join(staging, DUMP)}`, `--dbname=${databaseUrl}`]);
    const manifest = await withClient(databaseUrl, async (c): Promise<BackupManifest> => {
      const applied = await c.query<{ name: string }>('SELECT name FROM kysely_migration ORDER BY name');
      return {
        format: 'vetted-backup',
        formatVersion: 1,
        createdAt: new Date().toISOString(),
        vettedVersion: PACKAGE_VERSION,
        postgresMajor: major,
        migrations: applied.rows.map((r) => r.name),
        mediaFolders: [...kept],
        counts: { classes: await count(c, 'classes'), items: await count(c, 'items'), auditEntries: await count(c, 'audit_log') },
      };
    });
    await fs.writeFile(path.join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    // GNU tar keeps hard links (items sharing one source share files) and exits 1 when a folder
    // changed while it was read (an item published meanwhile): that is expected while the service runs.
    const args = ['--create', '--format=gnu', `--file=${partial}`, '--warning=no-file-changed', '--warning=no-file-removed', '-C', staging, MANIFEST, DUMP];
    if (kept.length) args.push('-C', config.dataDir, ...kept);
    await runTool('tar', args, { okCodes: [0, 1] });
    await fs.rename(partial, out);
    return { ...manifest, bytes: (await fs.stat(out)).size };
  } finally {
    await fs.rm(partial, { force: true });
    await fs.rm(staging, { recursive: true, force: true });
  }
}

export async function readManifest(file: string): Promise<BackupManifest> {
  const text = await runTool('tar', ['--extract', '--to-stdout', `--file=${file}`, MANIFEST]).catch(() => '');
  let manifest: BackupManifest | undefined;
  try {
    manifest = JSON.parse(text) as BackupManifest;
  } catch {
    manifest = undefined;
  }
  if (manifest?.format !== 'vetted-backup') throw new BackupError(`${file} is not a Vetted backup (no ${MANIFEST} inside).`);
  if (manifest.formatVersion !== 1) throw new BackupError(`${file} was written by a newer Vetted (backup format ${manifest.formatVersion}). Update Vetted first.`);
  const unknown = manifest.migrations.filter((m) => !(m in migrations));
  if (unknown.length) {
    throw new BackupError(`${file} comes from a newer Vetted (${manifest.vettedVersion}; database changes ${unknown.join(', ')} unknown here). Update Vetted first.`);
  }
  return manifest;
}

export async function restore(config: Readonly<Config>, databaseUrl: string, opts: { from: string }): Promise<BackupManifest> {
  const from = path.resolve(opts.from);
  if (!existsSync(from)) throw new BackupError(`There is no file ${from}.`);
  const manifest = await readManifest(from);

  // Into an empty database and data folder only: a restore never mixes two schools' data.
  await ensureDatabase(databaseUrl);
  const tables = await withClient(databaseUrl, async (c) => count(c, "pg_tables WHERE schemaname = 'public'"));
  if (tables > 0) {
    throw new BackupError(
      `The database is not empty (${tables} tables): a backup is restored only into an empty one. ` +
        'Point DATABASE_URL at a new database, or, with Vetted\'s own database, restore into a new, empty DATA_DIR.',
    );
  }
  for (const f of manifest.mediaFolders) {
    if (!(await isEmptyFolder(path.join(config.dataDir, f)))) {
      throw new BackupError(`${path.join(config.dataDir, f)} already holds files: a backup is restored only into an empty DATA_DIR.`);
    }
  }

  await fs.mkdir(config.dataDir, { recursive: true });
  const staging = await fs.mkdtemp(path.join(config.dataDir, '.restore-'));
  try {
    // Only the archive's known members; GNU tar refuses names that climb out ("..") or are absolute,
    // and as root it does not hand files to the owners recorded in the archive.
    await runTool('tar', ['--extract', `--file=${from}`, '-C', staging, '--no-same-owner', '--no-same-permissions', DUMP, ...manifest.mediaFolders]);
    const major = await serverMajorVersion(databaseUrl);
    await runTool(postgresTool('pg_restore', Math.max(major, manifest.postgresMajor), config.postgresBinDir), [
      '--no-owner',
      '--no-privileges',
      '--exit-on-error',
      '--single-transaction',
      `--dbname=${databaseUrl}`,
      path.join(staging, DUMP),
    ]);
    // Each folder appears whole, by one rename, after the database holds its rows.
    for (const f of manifest.mediaFolders) {
      await fs.rm(path.join(config.dataDir, f), { recursive: true, force: true });
      await fs.rename(path.join(staging, f), path.join(config.dataDir, f));
    }
    return manifest;
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}
