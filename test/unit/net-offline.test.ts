/**
 * A lookup or connection failure on a host that certainly exists (YouTube, the BBC…) means the server is offline,
 * not that the teacher mistyped the link. The resolver is a stand-in that fails: nothing leaves the machine.
 */
import { describe, expect, it } from 'vitest';
import { VettedError } from '../../src/domain/errors.js';
import { isWellKnownHost, mapNetworkErrorFor } from '../../src/net/errors.js';
import { guardedRequest, policyFromConfig } from '../../src/net/fetcher.js';
import { vettedFailure } from '../helpers/errors.js';
import { CONTROL_NAMES, parseDnsServers } from '../../src/net/resolver.js';
import { meansNoHttps } from '../../src/net/scheme.js';

const notFound = () => Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
const policy = policyFromConfig({ fetchAllowPrivate: [], maxDownloadBytes: 1024, connectTimeoutMs: 1_000, idleTimeoutMs: 1_000 });

describe('well-known hosts', () => {
  it('knows them and their subdomains, and nothing that merely contains their name', () => {
    expect(isWellKnownHost('www.youtube.com')).toBe(true);
    expect(isWellKnownHost('youtu.be')).toBe(true);
    expect(isWellKnownHost('rr1---sn-x.googlevideo.com')).toBe(true);
    expect(isWellKnownHost('youtube.com.example')).toBe(false);
    expect(isWellKnownHost('myyoutube.com')).toBe(false);
  });

  it('says the server is offline, not "check for typos"', () => {
    const offline = mapNetworkErrorFor('www.youtube.com', notFound()) as VettedError;
    expect(offline.code).toBe('fetch_offline');
    expect(offline.transient).toBe(true);
    expect(offline.message).toMatch(/no internet connection/);
    expect(offline.message).not.toMatch(/typo/);
    expect((mapNetworkErrorFor('www.youtube.com', Object.assign(new Error('x'), { code: 'ENETUNREACH' })) as VettedError).code).toBe('fetch_offline');
    // An unknown host that does not resolve may well be a typo.
    expect((mapNetworkErrorFor('www.yuotube-videos.example', notFound()) as { message: string }).message).toMatch(/typos/);
  });

  it('is what the guarded fetcher reports when DNS is down', async () => {
    const resolve = async () => {
      throw notFound();
    };
    const offline = await vettedFailure(guardedRequest('https://www.youtube.com/watch?v=VettedOk001', { policy, testHooks: { resolve } }));
    expect(offline.code).toBe('fetch_offline');
    // Nothing resolves, not even names that certainly exist: an ordinary site is not "a typo" either.
    const ordinary = await vettedFailure(guardedRequest('https://no-such-site.example/', { policy, testHooks: { resolve } }));
    expect(ordinary.code).toBe('fetch_offline');
    expect(ordinary.message).not.toMatch(/typo/);
  });

  it('calls a name a typo only when names that certainly exist do resolve', async () => {
    const resolve = async (host: string) => {
      if (CONTROL_NAMES.includes(host)) return [{ address: '192.0.2.1', family: 4 as const }];
      throw notFound();
    };
    const typo = await vettedFailure(guardedRequest('https://no-such-site.example/', { policy, testHooks: { resolve } }));
    expect(typo.code).toBe('fetch_dns');
    expect(typo.transient).toBe(false);
    expect(typo.message).toMatch(/typos/);
    // A name that exists but whose lookup failed this once (SERVFAIL) may work later.
    const flaky = async (host: string) => {
      if (CONTROL_NAMES.includes(host)) return [{ address: '192.0.2.1', family: 4 as const }];
      throw Object.assign(new Error('queryA ESERVFAIL'), { code: 'ESERVFAIL' });
    };
    const later = await vettedFailure(guardedRequest('https://slow-dns.example/', { policy, testHooks: { resolve: flaky } }));
    expect(later.code).toBe('fetch_dns');
    expect(later.transient).toBe(true);
  });

  it('no route out of the server is the server’s connection, whatever the host', () => {
    const err = mapNetworkErrorFor('frogs.example', Object.assign(new Error('connect ENETUNREACH'), { code: 'ENETUNREACH' })) as VettedError;
    expect(err.code).toBe('fetch_offline');
  });
});

describe('a link typed without http(s)://', () => {
  it('falls back to http:// only when https:// is refused, not TLS, or silent on connect', () => {
    const v = (code: string, cause?: string) => Object.assign(new VettedError(code, 'x'), cause ? { cause: new Error(cause) } : {});
    expect(meansNoHttps(v('fetch_refused'))).toBe(true);
    expect(meansNoHttps(v('fetch_not_secure'))).toBe(true);
    expect(meansNoHttps(v('fetch_timeout', 'connect timeout after 10000 ms'))).toBe(true);
    expect(meansNoHttps(v('fetch_timeout', 'idle timeout after 30000 ms'))).toBe(false);
    // A bad certificate is a site that does speak https: falling back would hide a warning sign.
    expect(meansNoHttps(v('fetch_tls'))).toBe(false);
    expect(meansNoHttps(v('fetch_dns'))).toBe(false);
    expect(meansNoHttps(v('fetch_offline'))).toBe(false);
  });
});

describe('DNS_SERVERS', () => {
  it('takes addresses with or without a port, and refuses anything else with a sentence naming it', () => {
    expect(parseDnsServers(['10.0.0.53', ' 127.0.0.1:5353 ', '::1', '[::1]:53', ''])).toEqual(['10.0.0.53', '127.0.0.1:5353', '::1', '[::1]:53']);
    expect(() => parseDnsServers(['dns.school.example'])).toThrow(/Invalid DNS server "dns.school.example" \(DNS_SERVERS\)/);
    expect(() => parseDnsServers(['127.0.0.1:99999'])).toThrow(/DNS_SERVERS/);
  });
});
