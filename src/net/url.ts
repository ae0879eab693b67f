import { VettedError } from '../domain/errors.js';

// Long enough for signed CDN links, short enough that a pasted essay is not treated as a link.
const MAX_URL_LENGTH = 8192;

function invalid(): VettedError {
  return new VettedError(
    'url_invalid',
    "This does not look like a web address. Copy the whole link from the browser's address bar, starting with https://.",
    { httpStatus: 422 },
  );
}

/**
 * Parses a link someone pasted and keeps only what the fetcher may request: absolute http(s) URLs without
 * embedded credentials. Every redirect target goes through here too, so a server cannot bounce us to file: or data:.
 */
/**
 * A link as a teacher types it: "www.bbc.co.uk/cbeebies" or "youtube.com/watch?v=…" without http(s)://
 * means the https:// address (issue 15). Only text that starts with a dotted host name gains the scheme;
 * anything else is left for parseFetchableUrl to refuse with its own sentence.
 */
export function withSchemeAsMeant(raw: string): string {
  const text = typeof raw === 'string' ? raw.trim() : raw;
  if (typeof text !== 'string' || /^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return text;
  if (/^(\/\/)?[a-z0-9-]+(\.[a-z0-9-]+)+(:\d{1,5})?([/?#]\S*)?$/i.test(text)) return `https://${text.replace(/^\/\//, '')}`;
  return text;
}

export function parseFetchableUrl(raw: string): URL {
  if (typeof raw !== 'string') throw invalid();
  const text = raw.trim();
  if (text === '' || text.length > MAX_URL_LENGTH) throw invalid();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid();
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new VettedError('url_scheme', 'Links must start with http:// or https://.', { httpStatus: 422 });
  }
  if (url.username !== '' || url.password !== '') {
    throw new VettedError(
      'url_credentials',
      'Links that contain a user name or password are not accepted. Share a link that opens without signing in.',
      { httpStatus: 422 },
    );
  }
  if (url.hostname === '') throw invalid();
  return url;
}

/**
 * For a link a teacher submits: its path must read as text. A broken %-escape (`/%ff.mp4`) is refused with a
 * sentence before anything is stored (redirect targets are not held to this: servers send what they send).
 */
export function assertReadablePath(url: URL): URL {
  try {
    decodeURIComponent(url.pathname);
  } catch {
    throw new VettedError(
      'url_invalid',
      'This link contains a broken %-code, so it cannot be read. Copy the link again from the browser’s address bar.',
      { httpStatus: 422 },
    );
  }
  return url;
}

/** The host as the resolver and TLS want it: IPv6 literals without their brackets. */
export function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}
