/**
 * A lookup or connection failure on a host that certainly exists (YouTube, the BBC…) means the server is offline,
 * not that the teacher mistyped the link. The resolver is a stand-in that fails: nothing leaves the machine.
 */
import { describe, expect, it } from 'vitest';
import { VettedError } from '../../src/domain/errors.js';
import { isWellKnownHost, mapNetworkErrorFor } from '../../src/net/errors.js';
import { guardedRequest, policyFromConfig } from '../../src/net/fetcher.js';
import { vettedFailure } from '../helpers/errors.js';

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
    const typo = await vettedFailure(guardedRequest('https://no-such-site.example/', { policy, testHooks: { resolve } }));
    expect(typo.code).toBe('fetch_dns');
  });
});
