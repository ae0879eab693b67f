import { VettedError } from '../domain/errors.js';

function make(
  code: string,
  message: string,
  opts: { transient?: boolean; httpStatus?: number; cause?: unknown } = {},
): VettedError {
  const err = new VettedError(code, message, { transient: opts.transient, httpStatus: opts.httpStatus });
  // The message is for teachers; the cause keeps the technical detail for logs.
  if (opts.cause !== undefined) err.cause = opts.cause;
  return err;
}

export function blockedAddressError(detail: string): VettedError {
  return make(
    'fetch_blocked_address',
    'This link points to an address inside a private network, which Vetted may not reach.',
    { httpStatus: 422, cause: new Error(detail) },
  );
}

export function timeoutError(phase: 'dns' | 'connect' | 'idle', ms?: number, cause?: unknown): VettedError {
  const what = phase === 'idle' ? 'stopped sending data' : 'took too long to answer';
  return make('fetch_timeout', `The site ${what}. Vetted will try again later.`, {
    transient: true,
    httpStatus: 504,
    cause: cause ?? new Error(`${phase} timeout after ${ms ?? '?'} ms`),
  });
}

export function networkError(cause?: unknown): VettedError {
  const code = (cause as { code?: unknown } | null)?.code;
  if (code === 'ECONNREFUSED') {
    // Nothing answered: the site (or that port) is down or does not take visitors — not a broken-off download.
    return make('fetch_refused', 'The site refused the connection: nothing answered at that address. Check the link, or try again later.', {
      transient: true,
      httpStatus: 502,
      cause,
    });
  }
  return make('fetch_network', 'The connection to the site broke off. Vetted will try again later.', {
    transient: true,
    httpStatus: 502,
    cause,
  });
}

export function truncatedError(cause?: unknown): VettedError {
  return make('fetch_network', 'The download was interrupted before it finished. Vetted will try again later.', {
    transient: true,
    httpStatus: 502,
    cause,
  });
}

export function dnsError(cause: unknown, transient: boolean): VettedError {
  return transient
    ? make('fetch_dns', 'The web address could not be looked up right now. Vetted will try again later.', {
        transient: true,
        httpStatus: 502,
        cause,
      })
    : make('fetch_dns', 'The web address could not be found: no site has this name. Check the link for typos.', { httpStatus: 422, cause });
}

/** The address answered, but not in TLS: a plain http:// site reached as https:// (issue 15). */
export function notSecureError(cause: unknown): VettedError {
  return make(
    'fetch_not_secure',
    'The site does not offer a secure (https://) connection at this address, so Vetted did not download from it. If you trust the site, paste the link starting with http:// instead.',
    { httpStatus: 422, cause },
  );
}

export function tlsError(cause: unknown): VettedError {
  return make('fetch_tls', "The site's security certificate is not valid, so Vetted will not download from it.", {
    httpStatus: 422,
    cause,
  });
}

export function tooManyRedirectsError(max: number): VettedError {
  return make('fetch_too_many_redirects', `The link redirected more than ${max} times, so Vetted stopped following it.`);
}

export function redirectLoopError(url: URL): VettedError {
  return make('fetch_redirect_loop', 'The link keeps redirecting in a circle, so it cannot be opened.', {
    cause: new Error(`redirect loop at ${url.href}`),
  });
}

export function tooLargeError(maxBytes: number): VettedError {
  return make('fetch_too_large', `The file is larger than the ${formatBytes(maxBytes)} this installation accepts.`);
}

export function emptyError(): VettedError {
  return make('fetch_empty', 'The link returned an empty file.');
}

export function encodingError(cause: unknown): VettedError {
  return make('fetch_encoding', 'The site sent compressed data that could not be unpacked.', { cause });
}

/** 2xx passes; everything else becomes the error a caller would want to show or retry. */
export function statusError(status: number): VettedError | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status === 404 || status === 410) {
    return make(
      'fetch_not_found',
      `The site says there is nothing at this link (HTTP ${status} "not found"): it was taken down or moved, or the link has a typo. Open it in your browser to check.`,
    );
  }
  if (status === 429 || status >= 500) {
    return make('fetch_server_error', `The site is having trouble right now (HTTP ${status}). Vetted will try again later.`, {
      transient: true,
      httpStatus: 502,
    });
  }
  if (status === 401 || status === 403) {
    return make(
      'fetch_http_status',
      `The site refused access (HTTP ${status}): what is at this link may be private or need a login. Share a link that opens without signing in.`,
    );
  }
  return make('fetch_http_status', `The site answered with an error (HTTP ${status}), so nothing could be downloaded.`);
}

const TLS_CODES = /^(CERT_|ERR_TLS_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_SSL_)/;
// OpenSSL's words for "what came back is not TLS at all" (an http:// server on the https:// port).
const NOT_TLS_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST', 'EPROTO']);
const DNS_PERMANENT = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME', 'EAI_NONAME']);

/** Turns a socket/parser error into the error callers see; errors that are already ours pass through. */
export function mapNetworkError(e: unknown): Error {
  if (e instanceof VettedError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (NOT_TLS_CODES.has(code)) return notSecureError(e);
    if (TLS_CODES.test(code)) return tlsError(e);
    if (DNS_PERMANENT.has(code)) return dnsError(e, false);
    if (code === 'EAI_AGAIN') return dnsError(e, true);
    if (code === 'ETIMEDOUT') return timeoutError('connect', undefined, e);
  }
  return networkError(e);
}

export function abortReason(signal: AbortSignal | undefined): unknown {
  const reason: unknown = signal?.reason;
  if (reason !== undefined) return reason;
  const err = new Error('The operation was aborted.');
  err.name = 'AbortError';
  return err;
}

function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Well-known hosts (issue 14): when youtube.com "does not exist", the link is fine and the server is offline.

/** Sites that certainly exist: a failure to find or reach them is the server's network, not the teacher's link. */
const WELL_KNOWN_DOMAINS = [
  'youtube.com',
  'youtu.be',
  'youtube-nocookie.com',
  'googlevideo.com',
  'ytimg.com',
  'google.com',
  'vimeo.com',
  'bbc.co.uk',
  'bbc.com',
  'wikipedia.org',
  'wikimedia.org',
];

export function isWellKnownHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return WELL_KNOWN_DOMAINS.some((d) => h === d || h.endsWith(`.${d}`));
}

export function offlineError(host: string, cause?: unknown): VettedError {
  return make(
    'fetch_offline',
    `The server could not reach ${host}, which is certainly online: the server seems to have no internet connection right now. Vetted will try again later; if it keeps happening, tell your IT person.`,
    { transient: true, httpStatus: 502, cause },
  );
}

/** No name at all can be looked up, or the server has no route out: the server's connection, not the link. */
export function noInternetError(cause?: unknown): VettedError {
  return make(
    'fetch_offline',
    'The server has no internet connection right now: it cannot look up or reach any site, not even well-known ones. Vetted will try again later; if it keeps happening, tell your IT person.',
    { transient: true, httpStatus: 502, cause },
  );
}

/** Codes a failed name lookup ends with (getaddrinfo's and c-ares's). */
const LOOKUP_FAILURES = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME', 'EAI_NONAME', 'EAI_AGAIN', 'EAI_FAIL', 'ESERVFAIL', 'ETIMEOUT', 'ECONNREFUSED', 'EREFUSED', 'ENOSERVER']);

export function isLookupFailure(e: unknown): boolean {
  if (e instanceof VettedError) return e.code === 'fetch_timeout' || e.code === 'fetch_dns';
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && LOOKUP_FAILURES.has(code);
}

/**
 * A lookup failed; `diagnosis` says whether names that certainly exist resolve (see net/resolver.ts). Then an
 * unknown name is the link's ("could not be found"), and a name that could not be looked up this once may work
 * later; when nothing resolves, the server is offline. A well-known host that fails needs no second look.
 */
export function lookupFailureError(host: string, e: unknown, diagnosis: 'no_such_name' | 'lookups_failing'): VettedError {
  if (diagnosis === 'lookups_failing') return isWellKnownHost(host) ? offlineError(host, e) : noInternetError(e);
  const code = (e as { code?: unknown } | null)?.code;
  const nameUnknown = typeof code === 'string' && DNS_PERMANENT.has(code);
  return dnsError(e, !nameUnknown);
}

/** mapNetworkError, except that a failure to find or reach a well-known host, or any route out, means the server is offline. */
export function mapNetworkErrorFor(host: string, e: unknown): Error {
  const mapped = mapNetworkError(e);
  if (!(mapped instanceof VettedError)) return mapped;
  const code = (e as { code?: unknown } | null)?.code;
  // The server's own network has no way out: true whatever the host.
  if (code === 'ENETUNREACH' || code === 'ENETDOWN') return noInternetError(e);
  if (!isWellKnownHost(host)) return mapped;
  if (mapped.code === 'fetch_dns' || (['fetch_network', 'fetch_refused'].includes(mapped.code) && isConnectFailure(e))) return offlineError(host, e);
  return mapped;
}

function isConnectFailure(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ['ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN'].includes(code);
}
