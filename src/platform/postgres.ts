import { execFile, spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { startChildServer, waitUntilReady, type ChildServer } from './child-server.js';
import { embeddedDatabaseUrl, postgresDir } from './locations.js';
import { commandLineOf, identityOf, systemUser, terminate } from './processes.js';

const run = promisify(execFile);

/** Debian installs PostgreSQL's server programs off PATH, one folder per major version. */
const DEBIAN_PG_ROOT = '/usr/lib/postgresql';


/**
 * The folder of PostgreSQL's programs: `binDir` if given, else Debian's folder for the version
 * that made the cluster (a cluster must be run by its own major version), else the newest one.
 */
export function findPostgresBin(opts: { binDir?: string; clusterVersion?: string } = {}): string {
  if (opts.binDir) {
    if (!existsSync(path.join(opts.binDir, 'postgres'))) throw new Error(`POSTGRES_BIN_DIR (${opts.binDir}) holds no "postgres" program.`);
    return opts.binDir;
  }
  const versions = existsSync(DEBIAN_PG_ROOT)
    ? readdirSync(DEBIAN_PG_ROOT)
        .filter((v) => /^\d+$/.test(v) && existsSync(path.join(DEBIAN_PG_ROOT, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (opts.clusterVersion) {
    if (versions.includes(opts.clusterVersion)) return path.join(DEBIAN_PG_ROOT, opts.clusterVersion, 'bin');
    throw new Error(
      `The database in DATA_DIR was made by PostgreSQL ${opts.clusterVersion}, whose programs are not installed ` +
        `(found: ${versions.join(', ') || 'none'}). Install postgresql-${opts.clusterVersion}, or restore a backup into an empty DATA_DIR.`,
    );
  }
  const newest = versions[0];
  if (!newest) {
    throw new Error(
      'No DATABASE_URL is set, so Vetted runs its own PostgreSQL, but PostgreSQL is not installed. ' +
        'Install it ("sudo apt-get install -y postgresql"), or set DATABASE_URL to an existing server.',
    );
  }
  return path.join(DEBIAN_PG_ROOT, newest, 'bin');
}

/** PostgreSQL refuses to run as root: then it runs as the `postgres` account Debian's package creates. */
export function postgresAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const account = systemUser('postgres');
  if (!account) {
    throw new Error(
      'Vetted runs as root, and PostgreSQL refuses to run as root, but there is no "postgres" system account to run it as. ' +
        'Install Debian\'s postgresql package, run Vetted as an ordinary user, or set DATABASE_URL.',
    );
  }
  return account;
}

async function chownTree(dir: string, account: { uid: number; gid: number }): Promise<void> {
  const st = await fs.stat(dir);
  if (st.uid === account.uid && st.gid === account.gid) return;
  await run('chown', ['-R', `${account.uid}:${account.gid}`, dir]);
}

/**
 * A postgres left running by an earlier Vetted that was killed (its pid file names a live
 * postgres on this folder) is shut down; a pid file whose process is gone, or whose pid now
 * belongs to another program, is removed so the new server starts.
 */
async function clearStalePidFiles(dir: string, log: (line: string) => void): Promise<void> {
  for (const name of ['postmaster.pid', '.s.PGSQL.5432.lock']) {
    const file = path.join(dir, name);
    const first = (await fs.readFile(file, 'utf8').catch(() => '')).split('\n')[0]?.trim();
    const pid = Number(first);
    if (!first || !Number.isInteger(pid) || pid <= 0) continue;
    const id = identityOf(pid);
    if (id && /postgres/.test(commandLineOf(pid))) {
      log(`[postgres] stopping a database server left running by an earlier start (process ${pid})`);
      await terminate(id, 'SIGINT', 30_000);
    }
    await fs.rm(file, { force: true });
  }
}

export interface EmbeddedPostgres {
  server: ChildServer;
  url: string;
  binDir: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(
  dataDir: string,
  opts: { binDir?: string; log: (line: string) => void },
): Promise<EmbeddedPostgres> {
  const dir = postgresDir(dataDir);
  const account = postgresAccount();
  await fs.mkdir(dataDir, { recursive: true });
  if (account) {
    const canEnter = (dir: string) => spawnSync('test', ['-x', dir], { uid: account.uid, gid: account.gid }).status === 0;
    // A private data folder (mkdtemp makes them 0700) may be entered, not listed, by the database's account.
    if (!canEnter(dataDir) && canEnter(path.dirname(dataDir))) await fs.chmod(dataDir, ((await fs.stat(dataDir)).mode & 0o7777) | 0o001);
    if (!canEnter(dataDir)) {
      throw new Error(
        `The "postgres" system account cannot reach the data folder ${dataDir} (a folder above it is private, as /root is). ` +
          'Set DATA_DIR to a folder such as /var/lib/vetted, or run Vetted as an ordinary user.',
      );
    }
  }

  const version = (await fs.readFile(path.join(dir, 'PG_VERSION'), 'utf8').catch(() => '')).trim();
  const binDir = findPostgresBin({ binDir: opts.binDir, clusterVersion: version || undefined });
  if (!version) {
    if (existsSync(dir) && (await fs.readdir(dir)).length > 0) {
      throw new Error(`${dir} is not empty but holds no PostgreSQL database (no PG_VERSION). Move it away and start again.`);
    }
    // initdb writes into a folder of its own that is renamed into place once complete, so a start
    // interrupted half-way leaves nothing that looks like a database.
    const staging = `${dir}.init`;
    await fs.rm(staging, { recursive: true, force: true });
    await fs.mkdir(staging, { mode: 0o700 });
    if (account) await fs.chown(staging, account.uid, account.gid);
    opts.log(`[postgres] creating the database cluster in ${dir}`);
    // initdb gets a bare environment (the program search path only, as in child-server.ts), not a setting of Vetted.
    const init = spawnSync(
      path.join(binDir, 'initdb'),
      ['-D', staging, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8'],
      { encoding: 'utf8', ...(account ?? {}), env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' } },
    );
    if (init.status !== 0) throw new Error(`initdb failed:\n${init.stderr || init.stdout || init.error?.message}`);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(staging, dir);
  }
  if (account) await chownTree(dir, account);
  await fs.chmod(dir, 0o700);
  await clearStalePidFiles(dir, opts.log);

  // Trust authentication is safe here only because nothing listens on TCP and the socket lives in
  // a 0700 folder: only this account (and root) can connect.
  const server = startChildServer(
    'postgres',
    path.join(binDir, 'postgres'),
    ['-D', dir, '-c', "listen_addresses=", '-c', `unix_socket_directories=${dir}`, '-c', 'unix_socket_permissions=0700'],
    {
      cwd: dir,
      ...(account ?? {}),
      // Our own readiness probe, refused while the server starts, is not news.
      log: (line) => (line.includes('the database system is starting up') ? undefined : opts.log(line)),
    },
  );
  const url = embeddedDatabaseUrl(dataDir, 'postgres');
  await waitUntilReady(
    server,
    async () => {
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    120_000,
  );
  return {
    server,
    url: embeddedDatabaseUrl(dataDir),
    binDir,
    // Fast shutdown: open sessions are ended, everything committed is on disk.
    stop: () => server.stop('SIGINT', 30_000),
  };
}
