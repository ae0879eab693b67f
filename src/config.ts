import path from 'node:path';

/**
 * Every environment variable the service reads, parsed and checked once at start, then frozen.
 * A bad value stops the process with a sentence that names the variable, rather than surfacing
 * later as a confusing runtime error.
 */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
  dataDir: string;
  /** IPs or CIDRs that fetches may reach although they are loopback/private. */
  fetchAllowPrivate: string[];
  publicUrl: string;
  purgeAfterDays: number;
  /** When the scheduled purge runs (a cron pattern, server time). */
  purgeCron: string;
  /** Failed sign-ins allowed per account, and per client address, within `loginWindowMinutes`. */
  loginMaxFailuresPerAccount: number;
  loginMaxFailuresPerAddress: number;
  loginWindowMinutes: number;
  /** Largest download accepted, in bytes. */
  maxDownloadBytes: number;
  /** Longest video accepted, in seconds. */
  maxDurationSeconds: number;
  /** Wall-clock limit for one ffmpeg run, in milliseconds. */
  ffmpegTimeoutMs: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /** Staff session idle timeout, in minutes. */
  sessionIdleMinutes: number;
  /** Number of jobs one worker process runs at once per stage. */
  workerConcurrency: number;
  /** BullMQ lock duration; a job whose worker died is taken over after this long. */
  jobLockMs: number;
  /** First retry delay of a job after a transient fault; doubles each time. 0 = the stage's default. */
  jobBackoffMs: number;
  /** Queue name prefix in Redis, so tests and several installations can share a Redis. */
  queuePrefix: string;
  logLevel: string;
  /** Which YouTube downloader: the built-in pure-JS one, a yt-dlp binary, or yt-dlp when one is found. */
  youtubeBackend: 'auto' | 'ytdl' | 'yt-dlp';
  /** What to do with videos YouTube marks age-restricted or not family-safe. */
  youtubeAgeRestricted: 'refuse' | 'flag';
  ytdlpPath: string | undefined;
  ffmpegPath: string | undefined;
  ffprobePath: string | undefined;
  /**
   * `nginx`: media requests are checked for access and then answered with `X-Accel-Redirect`, so a
   * reverse proxy in front (deploy/nginx.conf) sends the bytes with sendfile. Unset: Vetted sends them.
   */
  mediaAccel: 'none' | 'nginx';
  /** The proxy's internal location that maps to the media folder (`MEDIA_ACCEL_PREFIX`). */
  mediaAccelPrefix: string;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || !Number.isInteger(n) || n < min) {
    throw new Error(`${name} must be a whole number of at least ${min} (got "${raw}")`);
  }
  return n;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new Error(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
  }
  return raw as T;
}

function cron(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = (env[name] ?? '').trim();
  if (raw === '') return fallback;
  if (!/^(\S+\s+){4,5}\S+$/.test(raw)) throw new Error(`${name} must be a cron pattern such as "30 2 * * *" (got "${raw}")`);
  return raw;
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function accelPrefix(raw: string | undefined): string {
  const value = raw || '/_vetted_media/';
  if (!/^\/[A-Za-z0-9._~\/-]*\/$/.test(value) || value.includes('..')) {
    throw new Error(`MEDIA_ACCEL_PREFIX must be a path that starts and ends with "/", such as /_vetted_media/ (got "${value}")`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const port = int(env, 'PORT', 3000, 0);
  const host = env.HOST || '127.0.0.1';
  const publicUrl = (env.PUBLIC_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new Error(`PUBLIC_URL must be an absolute URL such as https://vetted.school.example (got "${publicUrl}")`);
  }
  const config: Config = {
    port,
    host,
    databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/vetted',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    dataDir: path.resolve(env.DATA_DIR || './data'),
    fetchAllowPrivate: list(env.FETCH_ALLOW_PRIVATE),
    publicUrl,
    purgeAfterDays: int(env, 'PURGE_AFTER_DAYS', 30, 0),
    purgeCron: cron(env, 'PURGE_CRON', '30 2 * * *'),
    loginMaxFailuresPerAccount: int(env, 'LOGIN_MAX_FAILURES_PER_ACCOUNT', 5, 1),
    loginMaxFailuresPerAddress: int(env, 'LOGIN_MAX_FAILURES_PER_ADDRESS', 20, 1),
    loginWindowMinutes: int(env, 'LOGIN_WINDOW_MINUTES', 15, 1),
    maxDownloadBytes: int(env, 'MAX_DOWNLOAD_BYTES', 2 * 1024 ** 3, 1),
    maxDurationSeconds: int(env, 'MAX_DURATION_SECONDS', 3 * 3600, 1),
    ffmpegTimeoutMs: int(env, 'FFMPEG_TIMEOUT_MS', 2 * 3600 * 1000, 1000),
    connectTimeoutMs: int(env, 'FETCH_CONNECT_TIMEOUT_MS', 10_000, 1),
    idleTimeoutMs: int(env, 'FETCH_IDLE_TIMEOUT_MS', 30_000, 1),
    sessionIdleMinutes: int(env, 'SESSION_IDLE_MINUTES', 8 * 60, 1),
    workerConcurrency: int(env, 'WORKER_CONCURRENCY', 1, 1),
    jobLockMs: int(env, 'JOB_LOCK_MS', 30_000, 1000),
    jobBackoffMs: int(env, 'JOB_BACKOFF_MS', 0, 0),
    queuePrefix: env.QUEUE_PREFIX || 'vetted',
    logLevel: env.LOG_LEVEL || 'info',
    youtubeBackend: oneOf(env, 'YOUTUBE_BACKEND', ['auto', 'ytdl', 'yt-dlp'] as const, 'auto'),
    youtubeAgeRestricted: oneOf(env, 'YOUTUBE_AGE_RESTRICTED', ['refuse', 'flag'] as const, 'refuse'),
    ytdlpPath: env.YTDLP_PATH || undefined,
    ffmpegPath: env.FFMPEG_PATH || undefined,
    ffprobePath: env.FFPROBE_PATH || undefined,
    mediaAccel: oneOf(env, 'MEDIA_ACCEL', ['none', 'nginx'] as const, 'none'),
    mediaAccelPrefix: accelPrefix(env.MEDIA_ACCEL_PREFIX),
  };
  return Object.freeze(config);
}
