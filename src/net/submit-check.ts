import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { VettedError } from '../domain/errors.js';
import { checkAddress, parseAllowList } from './address.js';
import { isWellKnownHost, offlineError } from './errors.js';
import { parseFetchableUrl } from './url.js';

const LOOKUP_TIMEOUT_MS = 3_000;

/**
 * The early answer a teacher gets at submit: the link's form, and whether its host is somewhere
 * Vetted may not go. This is a courtesy, not the guard: the fetcher checks every address again
 * when it connects (DNS can change between now and then).
 */
export async function checkSubmittedUrl(raw: string, allowPrivate: string[], opts: { skipLookup?: boolean } = {}): Promise<URL> {
  const url = parseFetchableUrl(raw);
  const allow = parseAllowList(allowPrivate);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else if (opts.skipLookup) {
    return url;
  } else {
    const found = await Promise.race([
      dns.lookup(host, { all: true, verbatim: true }).catch(() => null),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), LOOKUP_TIMEOUT_MS).unref()),
    ]);
    if (found === null) {
      if (isWellKnownHost(host)) throw offlineError(host);
      throw new VettedError('fetch_dns', 'The web address could not be found. Check the link for typos.', { httpStatus: 422 });
    }
    // A slow DNS answer is not the teacher's fault: let the worker try (and check) again.
    if (found === undefined) return url;
    addresses = found.map((a) => a.address);
  }
  for (const address of addresses) {
    const verdict = checkAddress(address, allow);
    if (!verdict.ok) {
      throw new VettedError(
        'fetch_blocked_address',
        'This link points to an address inside a private network, which Vetted may not reach.',
        { httpStatus: 422 },
      );
    }
  }
  return url;
}
