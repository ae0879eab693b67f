import type { Config } from '../config.js';
import { acquireInstanceLock, liveHolder, type InstanceLock } from './instance-lock.js';
import { embeddedDatabaseUrl, embeddedRedisUrl } from './locations.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './postgres.js';
import { terminate } from './processes.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './redis.js';

/**
 * Zero-configuration start: with no DATABASE_URL Vetted runs its own PostgreSQL, with no REDIS_URL
 * its own Redis, both on Unix sockets inside DATA_DIR, as children of the process that holds the
 * data folder's lock. When the URLs are set, nothing is started and the external servers are used.
 */
export interface RunningServices {
  databaseUrl: string;
  redisUrl: string;
  /** The PostgreSQL programs' folder when Vetted runs its own server (pg_dump must match it). */
  postgresBinDir?: string;
  lock?: InstanceLock;
  /** Resolves with a sentence when an embedded server stops without being asked to. */
  unexpectedExit: Promise<string>;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  log?: (line: string) => void;
}

export const needsEmbeddedServers = (config: Readonly<Config>) => config.embeddedPostgres || config.embeddedRedis;

export async function startServices(config: Readonly<Config>, opts: ServiceOptions = {}): Promise<RunningServices> {
  const log = opts.log ?? ((line: string) => console.log(line));
  if (!needsEmbeddedServers(config)) {
    return { databaseUrl: config.databaseUrl, redisUrl: config.redisUrl, unexpectedExit: new Promise(() => undefined), stop: async () => undefined };
  }
  const lock = await acquireInstanceLock(config.dataDir);
  let pgServer: EmbeddedPostgres | undefined;
  let redis: EmbeddedRedis | undefined;
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await redis?.stop();
    await pgServer?.stop();
    await lock.release();
  };
  try {
    // Whatever the last holder left running (it was killed before it could stop them) goes first.
    for (const [name, id] of Object.entries(lock.leftOver)) {
      log(`[vetted] stopping ${name} (process ${id.pid}) left running by an earlier start`);
      await terminate(id, name === 'postgres' ? 'SIGINT' : 'SIGTERM', 30_000);
    }
    if (config.embeddedPostgres) {
      pgServer = await startEmbeddedPostgres(config.dataDir, { binDir: config.postgresBinDir, log });
      await lock.recordChild('postgres', pgServer.server.process.pid);
    }
    if (config.embeddedRedis) {
      redis = await startEmbeddedRedis(config.dataDir, { log });
      await lock.recordChild('redis', redis.server.process.pid);
    }
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
  const watch = (s: { server: { name: string; exited: Promise<string> } } | undefined) =>
    s ? s.server.exited.then((how) => (stopping ? new Promise<string>(() => undefined) : `${s.server.name} ${how}`)) : new Promise<string>(() => undefined);
  return {
    databaseUrl: pgServer ? pgServer.url : config.databaseUrl,
    redisUrl: redis ? redis.url : config.redisUrl,
    postgresBinDir: pgServer?.binDir,
    lock,
    unexpectedExit: Promise.race([watch(pgServer), watch(redis)]),
    stop,
  };
}

/**
 * For the CLI: when `npm start` already runs the embedded servers on this DATA_DIR, use them
 * (a backup while the service runs); otherwise start them just for this command.
 */
export async function servicesForCommand(config: Readonly<Config>, opts: ServiceOptions = {}): Promise<RunningServices> {
  if (needsEmbeddedServers(config) && (await liveHolder(config.dataDir))) {
    return {
      databaseUrl: config.embeddedPostgres ? embeddedDatabaseUrl(config.dataDir) : config.databaseUrl,
      redisUrl: config.embeddedRedis ? embeddedRedisUrl(config.dataDir) : config.redisUrl,
      unexpectedExit: new Promise(() => undefined),
      stop: async () => undefined,
    };
  }
  // A command's own servers speak only when something is wrong (our readiness probe's early
  // "starting up" refusals are not).
  const quiet = (line: string) => {
    if (/\b(ERROR|FATAL|PANIC)\b/.test(line) && !line.includes('the database system is starting up')) console.error(line);
  };
  return startServices(config, { log: opts.log ?? quiet });
}

/**
 * `npm run start:api` / `start:worker` run one process and start no servers: without URLs they
 * use the sockets of an `npm start` running on the same DATA_DIR, and say so plainly if there is none.
 */
export async function requireServersFor(config: Readonly<Config>, what: string): Promise<void> {
  if (!needsEmbeddedServers(config) || (await liveHolder(config.dataDir))) return;
  throw new Error(
    `${what} starts no database or Redis of its own. Set DATABASE_URL and REDIS_URL, or run "npm start" ` +
      `(which runs both) on the same DATA_DIR (${config.dataDir}).`,
  );
}
