import type { IncomingHttpHeaders } from 'node:http';
import net, { type LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import type { Config } from '../config.js';
import { checkAddress, parseAllowList, type AllowList } from './address.js';
import {
  abortReason,
  blockedAddressError,
  isLookupFailure,
  isWellKnownHost,
  lookupFailureError,
  mapNetworkErrorFor,
  redirectLoopError,
  timeoutError,
  tooManyRedirectsError,
} from './errors.js';
import { openHop } from './hop.js';
import { diagnoseLookupFailure, resolverFor, type HostResolver, type ResolvedAddress } from './resolver.js';
import { bareHostname, parseFetchableUrl } from './url.js';

export interface FetchPolicy {
  allow: AllowList;
  maxBytes: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  maxRedirects: number;
  userAgent?: string;
  /** Throws a VettedError to refuse a host (e.g. a domain block rule). Called for the first URL and every redirect hop. */
  checkHost?: (host: string) => void;
  /** How host names become addresses (DNS_SERVERS, or the system's resolver). */
  resolve?: HostResolver;
}

export interface GuardedResponse {
  /** Final URL, after redirects. */
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  remoteAddress: string;
  /** Raw body, not decompressed. */
  body: Readable;
  redirects: URL[];
}

/** Tests only: swap the resolver or the connect-time lookup to simulate lying DNS, or trust a test CA. */
export interface NetTestHooks {
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
  connectLookup?: LookupFunction;
  ca?: string | Buffer;
}

export interface GuardedRequestOptions {
  policy: FetchPolicy;
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  signal?: AbortSignal;
  testHooks?: NetTestHooks;
}

export const DEFAULT_USER_AGENT = 'Vetted/0.1 (classroom video vetting)';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Headers a caller may have meant for the first site only.
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
// Framing is ours to decide; a caller-supplied value could desynchronise or re-target the request.
const FORBIDDEN_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'upgrade', 'keep-alive', 'te']);

export function policyFromConfig(
  config: Pick<Config, 'fetchAllowPrivate' | 'maxDownloadBytes' | 'connectTimeoutMs' | 'idleTimeoutMs'> & { dnsServers?: string[] },
  overrides: Partial<FetchPolicy> = {},
): FetchPolicy {
  const policy: FetchPolicy = {
    resolve: resolverFor(config.dnsServers ?? [], config.connectTimeoutMs),
    allow: parseAllowList(config.fetchAllowPrivate),
    maxBytes: config.maxDownloadBytes,
    connectTimeoutMs: config.connectTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxRedirects: 5,
    userAgent: DEFAULT_USER_AGENT,
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (policy as unknown as Record<string, unknown>)[key] = value;
  }
  return policy;
}

function withDeadline<T>(work: Promise<T>, ms: number, signal: AbortSignal | undefined, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(onTimeout())), ms);
    const onAbort = (): void => finish(() => reject(abortReason(signal)));
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => finish(() => reject(e)),
    );
  });
}

/**
 * Every address a name resolves to must pass: a name that mixes public and private answers is how DNS rebinding is
 * usually staged, and picking the "good" ones would still let the attacker choose where the retry lands.
 */
async function resolveChecked(url: URL, opts: GuardedRequestOptions): Promise<ResolvedAddress[]> {
  const { policy, signal } = opts;
  const hostname = bareHostname(url);
  const literal = net.isIP(hostname);
  let addresses: ResolvedAddress[];
  if (literal !== 0) {
    addresses = [{ address: hostname, family: literal === 6 ? 6 : 4 }];
  } else {
    const resolver = opts.testHooks?.resolve ?? policy.resolve ?? resolverFor([], policy.connectTimeoutMs);
    try {
      addresses = await withDeadline(resolver(hostname), policy.connectTimeoutMs, signal, () =>
        timeoutError('dns', policy.connectTimeoutMs),
      );
      if (addresses.length === 0) throw Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
    } catch (e) {
      if (signal?.aborted) throw abortReason(signal);
      throw await explainLookupFailure(hostname, e, resolver, policy.connectTimeoutMs);
    }
  }
  for (const a of addresses) {
    const verdict = checkAddress(a.address, policy.allow);
    if (!verdict.ok) throw blockedAddressError(`${hostname} resolves to ${a.address}: ${verdict.reason}`);
  }
  return addresses;
}

/** "No such site" or "no internet on the server": a well-known name, or a second look at names that exist, decides. */
export async function explainLookupFailure(hostname: string, e: unknown, resolver: HostResolver, timeoutMs: number): Promise<Error> {
  if (!isLookupFailure(e)) return mapNetworkErrorFor(hostname, e);
  const diagnosis = isWellKnownHost(hostname) ? 'lookups_failing' : await diagnoseLookupFailure(resolver, timeoutMs);
  return lookupFailureError(hostname, e, diagnosis);
}

/** One hop to a checked host at checked addresses: the host rule, the resolution and the connection, for every request. */
async function openCheckedHop(url: URL, method: 'GET' | 'HEAD', headers: Record<string, string>, opts: GuardedRequestOptions) {
  const { policy } = opts;
  policy.checkHost?.(bareHostname(url));
  const addresses = await resolveChecked(url, opts);
  return openHop({
    url,
    method,
    headers,
    addresses,
    allow: policy.allow,
    connectTimeoutMs: policy.connectTimeoutMs,
    idleTimeoutMs: policy.idleTimeoutMs,
    signal: opts.signal,
    connectLookup: opts.testHooks?.connectLookup,
    ca: opts.testHooks?.ca,
  });
}

/**
 * One exchange with the first address of a link, no redirect followed, and closed at once: does it answer over
 * this scheme at all? (For a link typed without http(s)://, see net/scheme.ts.) Guarded like every request.
 */
export async function reachFirstHop(url: URL, opts: GuardedRequestOptions): Promise<number> {
  const hop = await openCheckedHop(url, 'HEAD', requestHeaders(opts.policy, opts.headers), opts);
  hop.body.destroy();
  return hop.res.statusCode ?? 0;
}

function requestHeaders(policy: FetchPolicy, extra: Record<string, string> | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': policy.userAgent ?? DEFAULT_USER_AGENT, accept: '*/*' };
  for (const [name, value] of Object.entries(extra ?? {})) {
    const key = name.toLowerCase();
    if (!FORBIDDEN_HEADERS.has(key)) headers[key] = value;
  }
  return headers;
}

function redirectKey(url: URL): string {
  const copy = new URL(url.href);
  copy.hash = '';
  return copy.href;
}

function nextUrl(location: string, current: URL): URL {
  // Node hands header bytes over as latin1; servers that put raw UTF-8 in Location mean UTF-8, as browsers assume.
  const text = Buffer.from(location, 'latin1').toString('utf8');
  let resolved: string;
  try {
    resolved = new URL(text, current).href;
  } catch {
    resolved = text;
  }
  return parseFetchableUrl(resolved);
}

/**
 * The only way the service reaches the network. Validates, resolves and checks every hop itself, connects only to
 * checked addresses, re-checks the connected peer, and follows redirects by hand. Non-2xx final statuses are
 * returned, not thrown. The caller must consume or destroy `body`; its idle timer keeps running while unread.
 */
export async function guardedRequest(url: string | URL, opts: GuardedRequestOptions): Promise<GuardedResponse> {
  const { policy, signal } = opts;
  const method = opts.method ?? 'GET';
  let current = parseFetchableUrl(typeof url === 'string' ? url : url.href);
  let headers = requestHeaders(policy, opts.headers);
  const redirects: URL[] = [];
  const seen = new Set([redirectKey(current)]);

  for (;;) {
    if (signal?.aborted) throw abortReason(signal);
    const hop = await openCheckedHop(current, method, headers, opts);
    const status = hop.res.statusCode ?? 0;
    const location = hop.res.headers.location;
    if (!REDIRECT_STATUSES.has(status) || location === undefined) {
      return { url: current, status, headers: hop.res.headers, remoteAddress: hop.remoteAddress, body: hop.body, redirects };
    }
    hop.body.destroy();
    const next = nextUrl(location, current);
    const key = redirectKey(next);
    if (seen.has(key)) throw redirectLoopError(next);
    if (redirects.length >= policy.maxRedirects) throw tooManyRedirectsError(policy.maxRedirects);
    seen.add(key);
    redirects.push(next);
    if (next.origin !== current.origin) {
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !CREDENTIAL_HEADERS.includes(k)));
    }
    current = next;
  }
}
