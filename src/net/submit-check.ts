import { isIP } from 'node:net';
import { VettedError } from '../domain/errors.js';
import { checkAddress, parseAllowList } from './address.js';
import { isLookupFailure, isWellKnownHost, lookupFailureError } from './errors.js';
import { diagnoseLookupFailure, resolverFor } from './resolver.js';
import { parseFetchableUrl } from './url.js';

const LOOKUP_TIMEOUT_MS = 3_000;

export interface SubmitCheckSettings {
  fetchAllowPrivate: string[];
  dnsServers?: string[];
}

/**
 * The early answer a teacher gets at submit: the link's form, and whether its host is somewhere
 * Vetted may not go, or does not exist (when other names resolve, so the server is not simply offline). This is a courtesy, not the guard: the fetcher checks every address again
 * when it connects (DNS can change between now and then).
 */
export async function checkSubmittedUrl(raw: string, settings: SubmitCheckSettings, opts: { skipLookup?: boolean } = {}): Promise<URL> {
  const url = parseFetchableUrl(raw);
  const allow = parseAllowList(settings.fetchAllowPrivate);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else if (opts.skipLookup) {
    return url;
  } else {
    const resolve = resolverFor(settings.dnsServers ?? [], LOOKUP_TIMEOUT_MS);
    let failure: unknown;
    const found = await Promise.race([
      resolve(host).catch((e: unknown) => {
        failure = e;
        return null;
      }),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), LOOKUP_TIMEOUT_MS).unref()),
    ]);
    if (found === null || found?.length === 0) {
      const e = failure ?? Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
      if (!isLookupFailure(e)) return url;
      const diagnosis = isWellKnownHost(host) ? 'lookups_failing' : await diagnoseLookupFailure(resolve, LOOKUP_TIMEOUT_MS);
      // The server is offline, or a name that exists could not be looked up this once: the link is kept, and the
      // worker tries it, saying why it waits and when it tries again (the teacher's paste is not lost).
      if (diagnosis === 'lookups_failing' || lookupFailureError(host, e, diagnosis).transient) return url;
      throw new VettedError('fetch_dns', 'The web address could not be found: no site has this name. Check the link for typos.', { httpStatus: 422 });
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
