import { describe, expect, it } from 'vitest';
import { checkAddress } from '../../src/net/address.js';
import { DEFAULT_USER_AGENT, policyFromConfig } from '../../src/net/fetcher.js';

const config = { fetchAllowPrivate: ['127.0.0.1', '10.0.0.0/8'], maxDownloadBytes: 1000, connectTimeoutMs: 10, idleTimeoutMs: 20 };

describe('policyFromConfig', () => {
  it('takes limits and the allow list from config, with five redirects by default', () => {
    const policy = policyFromConfig(config);
    expect(policy).toMatchObject({ maxBytes: 1000, connectTimeoutMs: 10, idleTimeoutMs: 20, maxRedirects: 5, userAgent: DEFAULT_USER_AGENT });
    expect(checkAddress('10.9.9.9', policy.allow).ok).toBe(true);
    expect(checkAddress('192.168.0.1', policy.allow).ok).toBe(false);
  });

  it('applies overrides but ignores undefined ones', () => {
    const checkHost = (): void => undefined;
    const policy = policyFromConfig(config, { maxRedirects: 2, maxBytes: undefined, checkHost });
    expect(policy.maxRedirects).toBe(2);
    expect(policy.maxBytes).toBe(1000);
    expect(policy.checkHost).toBe(checkHost);
  });

  it('stops on a bad allow-list entry', () => {
    expect(() => policyFromConfig({ ...config, fetchAllowPrivate: ['intranet'] })).toThrow(/FETCH_ALLOW_PRIVATE/);
  });
});
