import { describe, expect, it } from 'vitest';
import { checkAddress, parseAllowList } from '../../src/net/address.js';
import { parseFetchableUrl } from '../../src/net/url.js';
import { VettedError } from '../../src/domain/errors.js';

const none = parseAllowList([]);

/** What the fetcher does with a literal host: let WHATWG URL normalise it, then check that. */
function hostOf(raw: string): string {
  return new URL(raw).hostname;
}

function refused(ip: string, allow = none): string {
  const verdict = checkAddress(ip, allow);
  expect(verdict.ok, `${ip} should be refused`).toBe(false);
  return verdict.ok ? '' : verdict.reason;
}

function passes(ip: string, allow = none): void {
  expect(checkAddress(ip, allow), `${ip} should pass`).toEqual({ ok: true });
}

describe('checkAddress: loopback in every spelling', () => {
  it.each([
    ['127.0.0.1', 'http://127.0.0.1/'],
    ['127.1', 'http://127.1/'],
    ['2130706433', 'http://2130706433/'],
    ['0x7f.1', 'http://0x7f.1/'],
    ['0177.0.0.1', 'http://0177.0.0.1/'],
    ['0x7f000001', 'http://0x7f000001/'],
  ])('%s normalises to 127.0.0.1 and is refused', (_label, raw) => {
    const host = hostOf(raw);
    expect(host).toBe('127.0.0.1');
    expect(refused(host)).toMatch(/loopback/);
  });

  it('refuses the odd IPv4 spellings even when handed over unnormalised', () => {
    for (const ip of ['127.1', '2130706433', '0x7f.1', '0177.0.0.1', '127.255.255.254']) refused(ip);
  });

  it('refuses [::1] as URL hostname and bare', () => {
    expect(hostOf('http://[::1]/')).toBe('[::1]');
    expect(refused('[::1]')).toMatch(/loopback/);
    refused('::1');
  });

  it('refuses IPv4-mapped IPv6 by judging the IPv4 inside', () => {
    const host = hostOf('http://[::ffff:127.0.0.1]/');
    expect(host).toBe('[::ffff:7f00:1]');
    expect(refused(host)).toMatch(/loopback/);
    expect(refused('::ffff:10.0.0.1')).toMatch(/private/);
    expect(refused('::ffff:169.254.169.254')).toMatch(/linkLocal/);
  });

  it('refuses the deprecated IPv4-compatible form ::127.0.0.1', () => {
    refused(hostOf('http://[::127.0.0.1]/'));
  });
});

describe('checkAddress: non-public ranges', () => {
  it.each([
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['::', /unspecified/],
    ['10.0.0.1', /private/],
    ['172.16.5.4', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['169.254.169.254', /linkLocal/],
    ['100.64.0.1', /carrierGradeNat/],
    ['fc00::1', /uniqueLocal/],
    ['fd12::1', /uniqueLocal/],
    ['fe80::1', /linkLocal/],
    ['fe80::1%eth0', /linkLocal/],
    ['64:ff9b::a00:1', /rfc6052/],
    ['2002:a00:1::1', /6to4/],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /teredo|reserved/],
    ['224.0.0.1', /multicast/],
    ['ff02::1', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['192.0.2.1', /reserved/],
    ['240.0.0.1', /reserved/],
    ['2001:db8::1', /reserved/],
  ])('%s is refused', (ip, reason) => {
    expect(refused(ip)).toMatch(reason);
  });

  it('refuses [::] and 0.0.0.0 as URL hostnames', () => {
    refused(hostOf('http://[::]/'));
    refused(hostOf('http://0.0.0.0/'));
    refused(hostOf('http://0/'));
  });

  it('refuses things that are not IP addresses at all', () => {
    for (const junk of ['', 'localhost', 'example.com', '1.2.3.4.5', '::g']) {
      expect(refused(junk)).toMatch(/not an IP address/);
    }
  });
});

describe('checkAddress: public addresses pass', () => {
  it.each(['93.184.216.34', '8.8.8.8', '2606:4700::1111', '[2606:4700::1111]', '::ffff:93.184.216.34'])('%s', (ip) => {
    passes(ip);
  });

  it('the neighbours of private ranges are public', () => {
    passes('172.15.255.255');
    passes('172.32.0.0');
    passes('100.63.255.255');
    passes('100.128.0.0');
  });
});

describe('allow list', () => {
  it('lets 127.0.0.1 through only when listed', () => {
    refused('127.0.0.1');
    passes('127.0.0.1', parseAllowList(['127.0.0.1']));
    refused('127.0.0.2', parseAllowList(['127.0.0.1']));
    refused('::1', parseAllowList(['127.0.0.1']));
  });

  it('matches CIDR entries', () => {
    const allow = parseAllowList(['10.1.0.0/16', ' ::1 ', 'fd00::/8']);
    passes('10.1.200.3', allow);
    passes('::ffff:10.1.0.9', allow);
    refused('10.2.0.1', allow);
    passes('::1', allow);
    passes('fd12::1', allow);
    refused('fc00::1', allow);
  });

  it('treats 127.0.0.1/32 as exactly one address', () => {
    const allow = parseAllowList(['127.0.0.1/32']);
    passes('127.0.0.1', allow);
    passes('::ffff:127.0.0.1', allow);
    refused('127.0.0.2', allow);
  });

  it('accepts an IPv4-mapped entry as the IPv4 it means', () => {
    passes('127.0.0.1', parseAllowList(['::ffff:127.0.0.1']));
  });

  it('ignores empty entries', () => {
    expect(parseAllowList(['', '  '])).toHaveLength(0);
  });

  it.each(['localhost', '10.0.0.0/33', '::1/129', '10.0.0.1/8/8', '127.1', '0x7f.0.0.1', '10.0.0.0/', '1.2.3.4/x', 'fe80::/abc'])(
    'rejects the bad entry %j with a clear error',
    (entry) => {
      expect(() => parseAllowList([entry])).toThrow(/allow-list entry/);
    },
  );
});

describe('parseFetchableUrl', () => {
  function codeOf(raw: string): string {
    try {
      parseFetchableUrl(raw);
    } catch (e) {
      expect(e).toBeInstanceOf(VettedError);
      const err = e as VettedError;
      expect(err.transient).toBe(false);
      expect([400, 422]).toContain(err.httpStatus);
      return err.code;
    }
    throw new Error(`${raw} was accepted`);
  }

  it('accepts http and https links', () => {
    expect(parseFetchableUrl(' https://example.com/watch?v=1 ').href).toBe('https://example.com/watch?v=1');
    expect(parseFetchableUrl('http://[2606:4700::1111]:8080/x').port).toBe('8080');
  });

  it.each([
    'file:///etc/passwd',
    'ftp://example.com/video.mp4',
    'gopher://127.0.0.1:6379/_INFO',
    'data:text/html,<script>alert(1)</script>',
    'javascript:alert(1)',
    'ws://example.com/',
    'example.com:8080/path',
  ])('refuses the scheme of %s', (raw) => {
    expect(codeOf(raw)).toBe('url_scheme');
  });

  it('says in plain words what links are accepted', () => {
    expect(() => parseFetchableUrl('ftp://example.com/')).toThrow('Links must start with http:// or https://.');
  });

  it.each(['http://user:pass@example.com/', 'https://user@example.com/', 'https://:secret@example.com/'])(
    'refuses credentials in %s',
    (raw) => {
      expect(codeOf(raw)).toBe('url_credentials');
    },
  );

  it.each(['', '   ', 'not a url', 'www.example.com/video', 'http://', 'https://exa mple.com/', `https://e.com/${'a'.repeat(9000)}`])(
    'refuses garbage %j',
    (raw) => {
      expect(codeOf(raw)).toBe('url_invalid');
    },
  );
});
