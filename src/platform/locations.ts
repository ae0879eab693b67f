import path from 'node:path';

/** Where the embedded servers keep their data and sockets inside DATA_DIR (no TCP port at all). */
export const postgresDir = (dataDir: string) => path.join(dataDir, 'postgres');
export const redisDir = (dataDir: string) => path.join(dataDir, 'redis');

/** PostgreSQL's socket lives in its own data folder; pg reads a folder in `host` as a socket folder. */
export function embeddedDatabaseUrl(dataDir: string, database = 'vetted'): string {
  return `postgres://postgres@localhost/${database}?host=${encodeURIComponent(postgresDir(dataDir))}`;
}

/** ioredis takes a bare socket path where a URL would go. */
export const embeddedRedisUrl = (dataDir: string) => path.join(redisDir(dataDir), 'redis.sock');
