/**
 * The fetch hook handed to ytdl-core, and the options that keep it inside the guard (see ../ytdl-backend.ts's header
 * for why this route was chosen): every info request goes through the guarded fetcher with YouTube's hosts only, the
 * innertube clients that would go around it are refused by a dispatcher that fails closed, and ytdl-core's caches are
 * forgotten between calls so no job inherits another's signal or policy.
 */
import zlib from 'node:zlib';
import ytdl from '@distube/ytdl-core';
import { guardedRequest, type FetchPolicy, type NetTestHooks } from '../../../net/fetcher.js';
import { tooLargeError } from '../../../net/errors.js';
import { failedError } from '../video-site.js';

/** Tests only: how the real code path is pointed at a local stand-in for YouTube. */
export interface YtdlTestHooks {
  /** Passed to the guarded fetcher: resolve YouTube's names to the test server, trust its throw-away CA. */
  net?: NetTestHooks;
  /** YouTube's URLs have no port; this moves them onto the test server's port. Host names (TLS, host checks) stay. */
  rewriteUrl?: (url: URL) => URL;
}

/** Watch pages are ~1–2 MB and base.js ~3 MB; anything far larger is not a YouTube page. */
const PAGE_MAX_BYTES = 16 * 1024 * 1024;
/** A current desktop browser: YouTube serves its normal watch page (with ytInitialPlayerResponse) to these. */
const BROWSER_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
/** Request headers from ytdl-core we pass on; anything else it sets is for the innertube API we do not use. */
const FORWARDED_HEADERS = new Set(['user-agent', 'cookie', 'accept-language']);

/** The hosts a YouTube download legitimately touches; a manifest or redirect pointing elsewhere is refused. */
export function isYouTubeServiceHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'youtube.com' || h.endsWith('.youtube.com') || h.endsWith('.googlevideo.com');
}

export function youtubePolicy(policy: FetchPolicy, maxBytes = policy.maxBytes): FetchPolicy {
  return {
    ...policy,
    maxBytes: Math.min(policy.maxBytes, maxBytes),
    userAgent: BROWSER_USER_AGENT,
    checkHost: (host) => {
      policy.checkHost?.(host);
      if (!isYouTubeServiceHost(host)) {
        throw failedError(new Error(`YouTube download was sent to ${host}, which is not a YouTube host`));
      }
    },
  };
}

/** A non-2xx answer to an info request; kept apart so 404 and 403/429 can mean different things. */
export class InfoStatusError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
  ) {
    super(`HTTP ${status} for ${url}`);
  }
}

/**
 * Wraps every failure our fetch hook raises while ytdl-core is holding it. `statusCode: 0` stops ytdl-core's own
 * retry loop (it retries anything without a status below 500): retries belong to Vetted's job queue.
 */
export class GuardedFetchFailure extends Error {
  readonly statusCode = 0;
  constructor(readonly reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason));
  }
}

export interface FetchLog {
  /** Every URL ytdl-core asked for, in order (tests assert on it; handy in logs). */
  urls: string[];
  /** Failures ytdl-core may swallow (it logs and drops a failed base.js fetch, then reports "no formats"). */
  failures: unknown[];
}

export interface CallContext {
  policy: FetchPolicy;
  signal: AbortSignal;
  hooks: YtdlTestHooks;
}

export function outgoing(url: string | URL, hooks: YtdlTestHooks): URL {
  const u = new URL(url);
  return hooks.rewriteUrl ? hooks.rewriteUrl(u) : u;
}

function headerValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.join(', ');
  return undefined;
}

function forwardedHeaders(init: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = (init as { headers?: unknown } | undefined)?.headers;
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      const v = headerValue(value);
      if (v !== undefined && FORWARDED_HEADERS.has(name.toLowerCase())) out[name.toLowerCase()] = v;
    }
  }
  return out;
}

function decode(encoding: string | undefined, body: Buffer, max: number): Buffer {
  const e = (encoding ?? '').trim().toLowerCase();
  // We ask for identity; a server that compresses anyway is decoded with the same size cap.
  const opts = { maxOutputLength: max };
  if (e === '' || e === 'identity') return body;
  if (e === 'gzip' || e === 'x-gzip') return zlib.gunzipSync(body, opts);
  if (e === 'deflate') return zlib.inflateSync(body, opts);
  if (e === 'br') return zlib.brotliDecompressSync(body, opts);
  throw new Error(`unsupported content-encoding ${e}`);
}

/** One GET through the guard, read whole into memory (pages and scripts only). */
async function fetchText(url: URL, headers: Record<string, string>, call: CallContext): Promise<{ body: Buffer; contentType: string }> {
  const policy = youtubePolicy(call.policy, PAGE_MAX_BYTES);
  const res = await guardedRequest(url, {
    policy,
    signal: call.signal,
    headers: { ...headers, 'accept-encoding': 'identity' },
    testHooks: call.hooks.net,
  });
  try {
    if (res.status < 200 || res.status > 299) throw new InfoStatusError(res.status, url.href);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > policy.maxBytes) throw tooLargeError(policy.maxBytes);
      chunks.push(chunk);
    }
    const encoding = headerValue(res.headers['content-encoding']);
    return {
      body: decode(encoding, Buffer.concat(chunks, total), policy.maxBytes),
      contentType: headerValue(res.headers['content-type']) ?? 'text/plain',
    };
  } finally {
    res.body.destroy();
  }
}

function guardedFetch(call: CallContext, log: FetchLog): (url: string, init?: unknown) => Promise<Response> {
  return async (url, init) => {
    log.urls.push(url);
    try {
      const method = String((init as { method?: unknown } | undefined)?.method ?? 'GET').toUpperCase();
      if (method !== 'GET') throw new Error(`ytdl-core asked for ${method} ${url}; only GET goes through the guarded fetcher`);
      const { body, contentType } = await fetchText(outgoing(url, call.hooks), forwardedHeaders(init), call);
      // ytdl-core reads only content-type (to choose json() or text()) and the body, which YouTube sends as UTF-8.
      return new Response(body.toString('utf8'), { status: 200, headers: { 'content-type': contentType } });
    } catch (e) {
      log.failures.push(e);
      throw new GuardedFetchFailure(e);
    }
  };
}

/** Fail-closed stand-in for ytdl-core's undici dispatcher; see the header comment. */
const REFUSING_DISPATCHER = {
  dispatch(): never {
    throw new Error('ytdl-core tried to reach the network around the guarded fetcher');
  },
};

let cookieAgent: ytdl.Agent | undefined;

/** ytdl-core's agent carries the cookie jar (with YouTube's consent cookie, which avoids the EU consent page). */
function agent(): ytdl.Agent {
  cookieAgent ??= { ...ytdl.createAgent(), dispatcher: REFUSING_DISPATCHER as unknown as ytdl.Agent['dispatcher'] };
  return cookieAgent;
}

export function infoOptions(call: CallContext, log: FetchLog): ytdl.getInfoOptions {
  return {
    lang: 'en',
    playerClients: ['WEB'],
    agent: agent(),
    fetch: guardedFetch(call, log) as ytdl.getInfoOptions['fetch'],
    requestOptions: { headers: { 'user-agent': BROWSER_USER_AGENT, 'accept-language': 'en' } },
  };
}

/**
 * ytdl-core caches info and watch pages module-wide for a second, keyed by video id. A cached promise would carry
 * another job's signal and policy, so each call starts fresh.
 */
export function forgetCached(id: string): void {
  const caches = (ytdl as unknown as { cache?: Record<string, Map<string, unknown> | undefined> }).cache ?? {};
  for (const cache of Object.values(caches)) {
    if (!cache) continue;
    for (const key of [...cache.keys()]) {
      if (key.includes(id)) cache.delete(key);
    }
  }
}
