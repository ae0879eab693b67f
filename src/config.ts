import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { embeddedDatabaseUrl, embeddedRedisUrl } from './platform/locations.js';
import { parseDnsServers } from './net/resolver.js';

/**
 * Every environment variable the service reads, parsed and checked once at start, then frozen.
 * A bad value stops the process with a sentence that names the variable, rather than surfacing
 * later as a confusing runtime error.
 */
export interface Config {
  port: number;
  host: string;
  /** A Unix socket to listen on instead of HOST:PORT, for a reverse proxy on the same machine (LISTEN_SOCKET). */
  listenSocket: string | undefined;
  databaseUrl: string;
  redisUrl: string;
  dataDir: string;
  /** No DATABASE_URL: Vetted runs its own PostgreSQL on a Unix socket in DATA_DIR (`src/platform/`). */
  embeddedPostgres: boolean;
  /** No REDIS_URL: Vetted runs its own redis-server on a Unix socket in DATA_DIR. */
  embeddedRedis: boolean;
  /** PostgreSQL's programs (initdb, postgres, pg_dump); default: Debian's folder for the right version. */
  postgresBinDir: string | undefined;
  /** Bearer token that opens /metrics to other machines; without one, only loopback may read it. */
  metricsToken: string | undefined;
  /** IPs or CIDRs that fetches may reach although they are loopback/private. */
  fetchAllowPrivate: string[];
  /** DNS_SERVERS: resolvers the fetcher asks directly (empty: the system's resolver). */
  dnsServers: string[];
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
  /** Which YouTube downloader: yt-dlp (default), the unmaintained pure-JS ytdl-core (opt-in), or yt-dlp when found. */
  youtubeBackend: 'auto' | 'ytdl' | 'yt-dlp';
  /** What to do with videos YouTube marks age-restricted or not family-safe. */
  youtubeAgeRestricted: 'refuse' | 'flag';
  ytdlpPath: string | undefined;
  /** YouTube issue 14: the school's proxy after Vetted's own, a PO-token provider, a throwaway account's cookies. */
  youtubeProxy: URL | undefined;
  youtubePotProviderUrl: string | undefined;
  youtubeCookiesFile: string | undefined;
  /** Where the yt-dlp updater finds releases and their SHA2-256SUMS. */
  ytdlpReleaseUrl: string;
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
  /** Sign-in with the school's Google or Microsoft account (OpenID Connect); null when OIDC_ISSUER is unset. */
  oidc: OidcConfig | null;
  /** `off`: only the break-glass admin may sign in with a password (an admin can also turn it off at run time). */
  passwordLogin: 'on' | 'off';
  /** Where media live: this machine's disk under DATA_DIR, or an S3-compatible bucket (many machines). */
  storage: { kind: 'local' } | S3Settings;
  /** VETTED_SKIP_MIGRATE=1: `npm start` has migrated already, so its API and worker children do not. */
  skipMigrate: boolean;
  /** How long a stopping worker lets its current jobs finish before it leaves them to another worker, in ms. */
  shutdownGraceMs: number;
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

function httpUrl(env: NodeJS.ProcessEnv, name: string): URL | undefined {
  const raw = (env[name] ?? '').trim();
  if (raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} must be an http:// or https:// address such as http://proxy.school.example:3128 (got "${raw}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name} must start with http:// or https:// (got "${raw}")`);
  return url;
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
  const listenSocket = env.LISTEN_SOCKET || undefined;
  if (listenSocket !== undefined) {
    if (!path.isAbsolute(listenSocket)) throw new Error(`LISTEN_SOCKET must be an absolute path such as /run/vetted/vetted.sock (got "${listenSocket}")`);
    // Nobody reaches a socket by HOST:PORT, so the default public address would be wrong.
    if (!env.PUBLIC_URL) throw new Error('PUBLIC_URL must be set with LISTEN_SOCKET: the address people use to reach Vetted through the proxy');
  }
  const publicUrl = (env.PUBLIC_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new Error(`PUBLIC_URL must be an absolute URL such as https://vetted.school.example (got "${publicUrl}")`);
  }
  // As root (a server install), the data lives where a system service keeps it; PostgreSQL's own
  // account could not reach ./data inside /root.
  const dataDir = path.resolve(env.DATA_DIR || (process.getuid?.() === 0 ? '/var/lib/vetted' : './data'));
  const metricsToken = env.METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && metricsToken.length < 16) throw new Error('METRICS_TOKEN must be at least 16 characters long');
  const config: Config = {
    port,
    host,
    listenSocket,
    // Unset: the embedded servers' sockets (the values are what `npm start` hands its children).
    databaseUrl: env.DATABASE_URL || embeddedDatabaseUrl(dataDir),
    redisUrl: env.REDIS_URL || embeddedRedisUrl(dataDir),
    dataDir,
    embeddedPostgres: !env.DATABASE_URL,
    embeddedRedis: !env.REDIS_URL,
    postgresBinDir: env.POSTGRES_BIN_DIR || undefined,
    metricsToken,
    fetchAllowPrivate: list(env.FETCH_ALLOW_PRIVATE),
    dnsServers: parseDnsServers(list(env.DNS_SERVERS)),
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
    youtubeBackend: oneOf(env, 'YOUTUBE_BACKEND', ['yt-dlp', 'ytdl', 'auto'] as const, 'yt-dlp'),
    youtubeAgeRestricted: oneOf(env, 'YOUTUBE_AGE_RESTRICTED', ['refuse', 'flag'] as const, 'refuse'),
    ytdlpPath: env.YTDLP_PATH || undefined,
    youtubeProxy: httpUrl(env, 'YOUTUBE_PROXY'),
    youtubePotProviderUrl: httpUrl(env, 'YOUTUBE_POT_PROVIDER_URL')?.href.replace(/\/+$/, ''),
    youtubeCookiesFile: env.YOUTUBE_COOKIES_FILE ? path.resolve(env.YOUTUBE_COOKIES_FILE) : undefined,
    ytdlpReleaseUrl: (httpUrl(env, 'YTDLP_RELEASE_URL')?.href ?? 'https://github.com/yt-dlp/yt-dlp/releases/latest/download').replace(/\/+$/, ''),
    trustProxy: trustProxy(env),
    ffmpegPath: env.FFMPEG_PATH || undefined,
    ffprobePath: env.FFPROBE_PATH || undefined,
    mediaAccel: oneOf(env, 'MEDIA_ACCEL', ['none', 'nginx'] as const, 'none'),
    mediaAccelPrefix: accelPrefix(env.MEDIA_ACCEL_PREFIX),
    oidc: oidcConfig(env),
    passwordLogin: oneOf(env, 'PASSWORD_LOGIN', ['on', 'off'] as const, 'on'),
    storage: storageSettings(env),
    skipMigrate: env.VETTED_SKIP_MIGRATE === '1',
    shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 10_000, 0),
  };
  if (config.mediaAccel === 'nginx' && config.storage.kind !== 'local') {
    throw new Error('MEDIA_ACCEL=nginx lets nginx send files from the local media folder; with STORAGE=s3 leave MEDIA_ACCEL unset');
  }
  if (config.listenSocket && typeof config.trustProxy !== 'number') {
    // A Unix socket carries no client address: only the proxy's X-Forwarded-For can say who is asking (sign-in
    // limits, the audit log), and proxies named by address cannot be recognised on a socket.
    throw new Error('LISTEN_SOCKET is for a reverse proxy on this machine: set TRUST_PROXY=1 (the number of proxies) as well, so Vetted knows each person’s address');
  }
  if (config.passwordLogin === 'off' && !config.oidc) {
    throw new Error('PASSWORD_LOGIN=off needs school-account sign-in (OIDC_ISSUER and the rest), or nobody but the break-glass admin could sign in');
  }
  return Object.freeze(config);
}

/**
 * The environment of the API and worker that `npm start` runs as child processes: this process's own (their
 * configuration is the same variables), with the addresses of the servers it started and without a second migration.
 * Built here so that the environment is read in one file.
 */
export function childProcessEnv(servers: { databaseUrl: string; redisUrl: string }): NodeJS.ProcessEnv {
  return { ...process.env, DATABASE_URL: servers.databaseUrl, REDIS_URL: servers.redisUrl, VETTED_SKIP_MIGRATE: '1' };
}
