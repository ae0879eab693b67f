/**
 * A link typed without http(s):// ("www.example.org/frogs") is tried as a browser would (issue 15): https:// first;
 * when the site does not speak TLS there, refuses the https port, or never answers on it, http:// instead. Any other
 * failure (no such site, no internet, a blocked address) is the link's answer whatever the scheme, so it stands.
 */
import { VettedError } from '../domain/errors.js';
import { reachFirstHop, type GuardedRequestOptions } from './request.js';

const NO_HTTPS_HERE = new Set(['fetch_refused', 'fetch_not_secure']);

export function meansNoHttps(e: unknown): boolean {
  if (!(e instanceof VettedError)) return false;
  if (NO_HTTPS_HERE.has(e.code)) return true;
  // A silent https port (a firewall dropping it) shows as a connect timeout; a slow answer after connecting does not.
  return e.code === 'fetch_timeout' && /^connect timeout/.test((e.cause as Error | undefined)?.message ?? '');
}

/** The address to fetch for a link whose scheme Vetted chose: the https:// one, or its http:// twin if only that works. */
export async function schemeAsMeant(url: URL, opts: GuardedRequestOptions): Promise<URL> {
  if (url.protocol !== 'https:') return url;
  try {
    await reachFirstHop(url, opts);
    return url;
  } catch (e) {
    if (opts.signal?.aborted || !meansNoHttps(e)) throw e;
    const plain = new URL(url.href);
    plain.protocol = 'http:';
    try {
      await reachFirstHop(plain, opts);
    } catch {
      // Neither works: what https:// said is the truer answer for the link as typed.
      throw e;
    }
    return plain;
  }
}
