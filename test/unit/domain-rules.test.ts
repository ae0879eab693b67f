import { describe, expect, it } from 'vitest';
import {
  decidingRule,
  hostOfUrl,
  isPacResult,
  judgeHost,
  parseDomainList,
  parsePattern,
  toDomainList,
  toPac,
  type DomainRule,
} from '../../src/domain/domain-rules.js';
import { csvCell, toCsv } from '../../src/http/csv.js';
import { checkNewPassword, temporaryPassword } from '../../src/auth/password-policy.js';
import { formerStaffLabel } from '../../src/domain/people.js';

const rule = (pattern: string, action: 'allow' | 'block'): DomainRule => ({ id: pattern + action, pattern, action });

describe('domain patterns', () => {
  it('normalises what the admin types', () => {
    expect(parsePattern(' Example.COM. ')).toBe('example.com');
    expect(parsePattern('*.Example.com')).toBe('*.example.com');
    expect(parsePattern('bücher.de')).toBe('xn--bcher-kva.de');
    expect(parsePattern('10.1.2.3')).toBe('10.1.2.3');
  });

  it('takes the domain of a full link pasted where a domain is asked for', () => {
    expect(parsePattern('https://www.TikTok.com/@someone/video/1?x=1')).toBe('www.tiktok.com');
    expect(parsePattern(' http://example.org/page ')).toBe('example.org');
  });

  for (const bad of ['', '*', '*.com', 'http://', 'https://a b.com/', 'ftp://example.com', 'a b.com', '-bad.com', "'); DROP TABLE items; --", 'exa mple.com', '*.*.example.com', '*.1.2.3.4', 'a'.repeat(64) + '.com']) {
    it(`refuses ${JSON.stringify(bad.slice(0, 30))}`, () => {
      expect(() => parsePattern(bad)).toThrow(expect.objectContaining({ code: 'pattern_invalid', httpStatus: 400 }));
    });
  }
});

describe('which rule decides', () => {
  it('a bare domain and a wildcard both cover the domain itself and every name under it (as the console says)', () => {
    expect(decidingRule([rule('example.com', 'block')], 'example.com')?.rule.pattern).toBe('example.com');
    expect(decidingRule([rule('example.com', 'block')], 'a.b.example.com')?.rule.pattern).toBe('example.com');
    // Blocking *.tiktok.com blocks tiktok.com: what the teacher meant, and what the hint promises.
    expect(decidingRule([rule('*.tiktok.com', 'block')], 'tiktok.com')?.rule.pattern).toBe('*.tiktok.com');
    expect(judgeHost([rule('*.tiktok.com', 'block')], 'tiktok.com')).toMatchObject({ ok: false, reason: 'blocked' });
    expect(decidingRule([rule('*.example.com', 'block')], 'notexample.com')).toBeNull();
    expect(decidingRule([rule('*.example.com', 'block')], 'www.example.com')?.rule.pattern).toBe('*.example.com');
    expect(decidingRule([rule('example.com', 'block')], 'notexample.com')).toBeNull();
    expect(decidingRule([rule('example.com', 'block')], 'example.com.evil.net')).toBeNull();
  });

  it('the longest domain wins, whatever the order of the rules', () => {
    const rules = [rule('example.com', 'block'), rule('kids.example.com', 'allow')];
    expect(judgeHost(rules, 'kids.example.com').ok).toBe(true);
    expect(judgeHost(rules, 'www.kids.example.com').ok).toBe(true);
    expect(judgeHost(rules, 'www.example.com')).toMatchObject({ ok: false, reason: 'blocked' });
    expect(judgeHost([...rules].reverse(), 'kids.example.com').ok).toBe(true);
    const nested = [rule('kids.example.com', 'allow'), rule('ads.kids.example.com', 'block')];
    expect(judgeHost(nested, 'x.ads.kids.example.com')).toMatchObject({ ok: false, rule: { pattern: 'ads.kids.example.com' } });
  });

  it('for the same domain, the wildcard decides for names under it and the bare rule for the domain itself', () => {
    const rules = [rule('example.com', 'allow'), rule('*.example.com', 'block')];
    expect(judgeHost(rules, 'example.com').ok).toBe(true);
    expect(judgeHost(rules, 'www.example.com').ok).toBe(false);
  });

  it('block beats allow at equal specificity', () => {
    const rules = [rule('example.com', 'allow'), rule('example.com', 'block')];
    expect(judgeHost(rules, 'example.com').ok).toBe(false);
    expect(judgeHost([...rules].reverse(), 'example.com').ok).toBe(false);
  });

  it('in allow-list-only mode a host needs an allow rule', () => {
    const rules = [rule('bbc.co.uk', 'allow')];
    expect(judgeHost(rules, 'www.bbc.co.uk', true).ok).toBe(true);
    expect(judgeHost(rules, 'example.org', true)).toMatchObject({ ok: false, reason: 'not_allow_listed' });
    expect(judgeHost(rules, 'example.org', false).ok).toBe(true);
  });

  it('compares hosts case-insensitively, without a trailing dot, in their xn-- form', () => {
    const rules = [rule('xn--bcher-kva.de', 'block')];
    expect(judgeHost(rules, 'WWW.Bücher.de.').ok).toBe(false);
    expect(hostOfUrl('https://WWW.Example.COM./x')).toBe('www.example.com');
    expect(hostOfUrl('not a url')).toBeUndefined();
  });
});

describe('importing a plain domain list', () => {
  it('reads domains, wildcards, hosts-file lines, links and comments, and reports the rest', () => {
    const { patterns, skipped } = parseDomainList(
      [
        '# school block list',
        'example.com',
        '.ads.example.net   ! leading dot means the names under it',
        '0.0.0.0 tracker.example.org',
        'https://www.Example.co.uk/some/page',
        '',
        'EXAMPLE.com',
        'not a domain at all',
        "'); DROP TABLE items; --",
      ].join('\r\n'),
    );
    expect(patterns).toEqual(['example.com', '*.ads.example.net', 'tracker.example.org', 'www.example.co.uk']);
    expect(skipped.map((s) => s.line)).toEqual([8, 9]);
  });
});

describe('exports for the web filter', () => {
  it('a domain list has one host per line, sorted, without duplicates', () => {
    expect(toDomainList(['b.org', 'a.org', 'b.org'])).toBe('a.org\nb.org\n');
    expect(toDomainList([])).toBe('');
  });

  it('a PAC file lets the listed hosts and Vetted through and nothing else', () => {
    const pac = toPac(['www.bbc.co.uk'], { title: 'Minibeasts\n*/ evil()', ownHost: 'vetted.school.example', generatedAt: new Date(0) });
    const FindProxyForURL = new Function(
      'dnsDomainIs',
      `${pac}; return FindProxyForURL;`,
    )((host: string, domain: string) => host.endsWith(domain)) as (url: string, host: string) => string;
    expect(FindProxyForURL('https://www.bbc.co.uk/x', 'www.bbc.co.uk')).toBe('DIRECT');
    expect(FindProxyForURL('https://a.www.bbc.co.uk/x', 'a.www.bbc.co.uk')).toBe('DIRECT');
    expect(FindProxyForURL('https://vetted.school.example/board/x', 'vetted.school.example')).toBe('DIRECT');
    expect(FindProxyForURL('https://evil.example/', 'evil.example')).toBe('PROXY 127.0.0.1:9');
    expect(FindProxyForURL('https://bbc.co.uk.evil.example/', 'bbc.co.uk.evil.example')).toBe('PROXY 127.0.0.1:9');
    expect(pac.split('\n')[0]).toBe('// Vetted: approved sites of Minibeasts */ evil()');
    expect(isPacResult('PROXY filter.school:8080')).toBe(true);
    expect(isPacResult('PROXY x:1"; alert(1); "')).toBe(false);
  });
});

describe('CSV cells', () => {
  it('neutralises formulas and quotes what needs quoting', () => {
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell(null)).toBe('');
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
    expect(toCsv(['x', 'y'], [[1, 'two']])).toBe('x,y\r\n1,two\r\n');
  });
});

describe('password policy', () => {
  it('refuses short, common, repetitive and email-based passwords', () => {
    expect(() => checkNewPassword('short')).toThrow(expect.objectContaining({ code: 'password_too_short' }));
    expect(() => checkNewPassword('password1234')).toThrow(expect.objectContaining({ code: 'password_weak' }));
    expect(() => checkNewPassword('Qwerty123456')).toThrow(expect.objectContaining({ code: 'password_weak' }));
    expect(() => checkNewPassword('Correct Horse Battery Staple')).toThrow(expect.objectContaining({ code: 'password_weak' }));
    expect(() => checkNewPassword('aaaaaaaaaaaaaaaa')).toThrow(expect.objectContaining({ code: 'password_weak' }));
    expect(() => checkNewPassword('mrs.robinson12', { email: 'mrs.robinson@school.test' })).toThrow(expect.objectContaining({ code: 'password_weak' }));
    expect(() => checkNewPassword('frogs leap over the pond at dawn', { email: 'mrs.robinson@school.test' })).not.toThrow();
  });

  it('makes temporary passwords that pass the policy', () => {
    const p = temporaryPassword();
    expect(p).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    expect(() => checkNewPassword(p)).not.toThrow();
    expect(temporaryPassword()).not.toBe(p);
  });
});

describe('pseudonyms', () => {
  it('are stable per person and reveal nothing', () => {
    const id = '3f1c2d4e-0000-4000-8000-000000000001';
    expect(formerStaffLabel(id)).toMatch(/^former staff #[0-9a-f]{8}$/);
    expect(formerStaffLabel(id)).toBe(formerStaffLabel(id));
    expect(formerStaffLabel(id)).not.toContain(id.slice(0, 8));
  });
});
