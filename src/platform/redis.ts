import { promises as fs } from 'node:fs';
import { Redis } from 'ioredis';
import { startChildServer, waitUntilReady, type ChildServer } from './child-server.js';
import { embeddedRedisUrl, redisDir } from './locations.js';
import { systemUser } from './processes.js';
import { findOnPath } from './programs.js';


/**
 * A redis-server still answering on our socket was left running by an earlier Vetted that was
 * killed and is not in its lock file: stop it, or two servers would write one append-only file.
 */
async function shutDownLeftOver(socket: string, log: (line: string) => void): Promise<void> {
  const client = new Redis(socket, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch {
    return; // nothing listening: the usual case
  }
  log('[redis] stopping a Redis left running by an earlier start');
  await client.call('SHUTDOWN').catch(() => undefined);
  client.disconnect();
  await new Promise((r) => setTimeout(r, 200));
}

export interface EmbeddedRedis {
  server: ChildServer;
  url: string;
  stop(): Promise<void>;
}

/**
 * Debian's redis-server on a Unix socket in DATA_DIR/redis, with the settings BullMQ asks of
 * production: append-only persistence (fsync every second; jobs survive a kill -9) and
 * `noeviction` (a full Redis refuses writes rather than dropping jobs). As root it runs as the
 * `redis` account when there is one.
 */
export async function startEmbeddedRedis(dataDir: string, opts: { log: (line: string) => void }): Promise<EmbeddedRedis> {
  const program = findOnPath('redis-server');
  if (!program) {
    throw new Error(
      'No REDIS_URL is set, so Vetted runs its own Redis, but redis-server is not installed. ' +
        'Install it ("sudo apt-get install -y redis-server"), or set REDIS_URL to an existing server.',
    );
  }
  const dir = redisDir(dataDir);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const account = process.getuid?.() === 0 ? systemUser('redis') : undefined;
  if (account) await fs.chown(dir, account.uid, account.gid);
  await fs.chmod(dir, 0o700);
  const socket = embeddedRedisUrl(dataDir);
  if (Buffer.byteLength(socket) > 100) throw new Error(`DATA_DIR is too long for a Unix socket path (${socket}); choose a shorter one.`);
  await shutDownLeftOver(socket, opts.log);
  // A socket file left by a killed server is replaced by redis-server itself.
  const server = startChildServer(
    'redis',
    program,
    [
      '--port', '0',
      '--unixsocket', socket,
      '--unixsocketperm', '700',
      '--dir', dir,
      '--appendonly', 'yes',
      '--appendfsync', 'everysec',
      '--save', '',
      '--maxmemory-policy', 'noeviction',
      '--daemonize', 'no',
      '--loglevel', 'warning',
    ],
    { cwd: dir, ...(account ?? {}), log: opts.log },
  );
  await waitUntilReady(
    server,
    async () => {
      const client = new Redis(socket, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      try {
        await client.connect();
        // Still loading the append-only file after a restart answers LOADING: not ready yet.
        return (await client.ping()) === 'PONG';
      } finally {
        client.disconnect();
      }
    },
    60_000,
  );
  return { server, url: socket, stop: () => server.stop('SIGTERM', 15_000) };
}
