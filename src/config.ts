import path from 'node:path';
import ipaddr from 'ipaddr.js';

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
  /**
   * Which reverse proxies to believe about the client's address: a hop count (1 = the one proxy in front), or
   * their addresses/CIDRs. `false` = none (the connection's own address). Never "everyone".
   */
  trustProxy: false | number | string[];
  ffmpegPath: string | undefined;
  ffprobePath: string | undefined;
  /**
   * `nginx`: media requests are checked for access and then answered with `X-Accel-Redirect`, so a
   * reverse proxy in front (deploy/nginx.conf) sends the bytes with sendfile. Unset: Vetted sends them.
   */
  mediaAccel: 'none' | 'nginx';
  /** The proxy's internal location that maps to the media folder (`MEDIA_ACCEL_PREFIX`). */
  mediaAccelPrefix: string;
  /** Where media live: this machine's disk under DATA_DIR, or an S3-compatible bucket (many machines). */
  storage: { kind: 'local' } | S3Settings;
}

export interface S3Settings {
  kind: 's3';
  /** Empty for AWS itself; the server's URL for anything else (Ceph, MinIO, Garage…). */
  endpoint: string | undefined;
  region: string;
  bucket: string;
  /** Both empty: the AWS SDK's own chain (instance role, AWS_* variables) supplies credentials. */
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  /** Bucket in the path (`host/bucket/key`) rather than the host name; what most non-AWS servers want. */
  forcePathStyle: boolean;
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

/** Names proxy-addr understands besides addresses and CIDRs. */
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function trustProxy(env: NodeJS.ProcessEnv): false | number | string[] {
  const raw = (env.TRUST_PROXY ?? '').trim();
  if (raw === '' || raw === '0' || raw.toLowerCase() === 'false') return false;
  const refuse = () =>
    new Error(`TRUST_PROXY must be a number of proxy hops (such as 1) or a comma list of proxy addresses (such as 10.0.0.5,10.0.1.0/24), never "trust all" (got "${raw}")`);
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 10) throw refuse();
    return hops;
  }
  const entries = list(raw);
  for (const entry of entries) {
    if (PROXY_NAMES.has(entry)) continue;
    const [address, bits, extra] = entry.split('/');
    if (extra !== undefined || !address || !ipaddr.isValid(address)) throw refuse();
    const parsed = ipaddr.parse(address);
    if (bits !== undefined) {
      const max = parsed.kind() === 'ipv4' ? 32 : 128;
      // A /0 is "everyone" in disguise.
      if (!/^\d+$/.test(bits) || Number(bits) < 1 || Number(bits) > max) throw refuse();
    }
  }
  return entries;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'no'].includes(raw)) return false;
  throw new Error(`${name} must be true or false (got "${env[name]}")`);
}

function storageSettings(env: NodeJS.ProcessEnv): Config['storage'] {
  const kind = oneOf(env, 'STORAGE', ['local', 's3'] as const, 'local');
  if (kind === 'local') return { kind };
  const endpoint = env.S3_ENDPOINT || undefined;
  if (endpoint) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new Error(`S3_ENDPOINT must be a URL such as https://s3.example.org (got "${endpoint}")`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`S3_ENDPOINT must start with http:// or https:// (got "${endpoint}")`);
  }
  const bucket = env.S3_BUCKET ?? '';
  // S3's own naming rule; catching a typo here beats a puzzling error at the first upload.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new Error(`STORAGE=s3 needs S3_BUCKET, a bucket name of 3-63 lower-case letters, digits, dots or hyphens (got "${bucket}")`);
  }
  const accessKeyId = env.S3_ACCESS_KEY_ID || undefined;
  const secretAccessKey = env.S3_SECRET_ACCESS_KEY || undefined;
  if (!accessKeyId !== !secretAccessKey) throw new Error('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together (or both left empty)');
  return {
    kind,
    endpoint,
    region: env.S3_REGION || 'us-east-1',
    bucket,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', !!endpoint),
  };
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
    trustProxy: trustProxy(env),
    ffmpegPath: env.FFMPEG_PATH || undefined,
    ffprobePath: env.FFPROBE_PATH || undefined,
    mediaAccel: oneOf(env, 'MEDIA_ACCEL', ['none', 'nginx'] as const, 'none'),
    mediaAccelPrefix: accelPrefix(env.MEDIA_ACCEL_PREFIX),
    storage: storageSettings(env),
  };
  if (config.mediaAccel === 'nginx' && config.storage.kind !== 'local') {
    throw new Error('MEDIA_ACCEL=nginx lets nginx send files from the local media folder; with STORAGE=s3 leave MEDIA_ACCEL unset');
  }
  return Object.freeze(config);
}
