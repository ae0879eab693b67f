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
  /** Sign-in with the school's Google or Microsoft account (OpenID Connect); null when OIDC_ISSUER is unset. */
  oidc: OidcConfig | null;
  /** `off`: only the break-glass admin may sign in with a password (an admin can also turn it off at run time). */
  passwordLogin: 'on' | 'off';
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Lower-case e-mail domains whose people may sign in. */
  allowedDomains: string[];
  label: string;
  /** `teacher`: a verified person from an allowed domain with no account gets a teacher account. */
  autoCreate: 'off' | 'teacher';
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

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function oidcConfig(env: NodeJS.ProcessEnv): OidcConfig | null {
  const issuer = (env.OIDC_ISSUER ?? '').trim().replace(/\/+$/, '');
  if (!issuer) {
    const stray = ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_ALLOWED_DOMAINS'].filter((n) => env[n]);
    if (stray.length) throw new Error(`${stray.join(', ')} set but OIDC_ISSUER is not: set OIDC_ISSUER to the provider's issuer URL`);
    return null;
  }
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new Error(`OIDC_ISSUER must be the provider's issuer URL, such as https://accounts.google.com (got "${issuer}")`);
  }
  // Tokens and secrets travel to the issuer: plain http only to this machine (a test or local provider).
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    throw new Error(`OIDC_ISSUER must use https (got "${issuer}")`);
  }
  const clientId = (env.OIDC_CLIENT_ID ?? '').trim();
  const clientSecret = env.OIDC_CLIENT_SECRET ?? '';
  if (!clientId || !clientSecret) throw new Error('OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set when OIDC_ISSUER is (from the app registration at the provider)');
  const allowedDomains = list(env.OIDC_ALLOWED_DOMAINS).map((d) => d.toLowerCase().replace(/^@/, ''));
  if (!allowedDomains.length) throw new Error('OIDC_ALLOWED_DOMAINS must name the school\'s e-mail domain(s), such as "school.example" (comma-separated)');
  const bad = allowedDomains.find((d) => !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d));
  if (bad) throw new Error(`OIDC_ALLOWED_DOMAINS: "${bad}" is not an e-mail domain such as school.example`);
  return {
    issuer,
    clientId,
    clientSecret,
    allowedDomains,
    label: (env.OIDC_LABEL ?? '').trim() || 'Sign in with your school account',
    autoCreate: oneOf(env, 'OIDC_AUTO_CREATE', ['off', 'teacher'] as const, 'off'),
  };
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
    oidc: oidcConfig(env),
    passwordLogin: oneOf(env, 'PASSWORD_LOGIN', ['on', 'off'] as const, 'on'),
  };
  if (config.passwordLogin === 'off' && !config.oidc) {
    throw new Error('PASSWORD_LOGIN=off needs school-account sign-in (OIDC_ISSUER and the rest), or nobody but the break-glass admin could sign in');
  }
  return Object.freeze(config);
}
