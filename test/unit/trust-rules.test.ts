import { describe, expect, it } from 'vitest';
import { parseStrictDate } from '../../src/domain/dates.js';
import { judgeHost, matchableHost } from '../../src/domain/domain-rules.js';
import { redactBoardTokens } from '../../src/http/log-redaction.js';

const rules = [{ id: '1', pattern: 'badsite.example', action: 'block' as const }];

describe('block rules and host names a strict reading refuses', () => {
  it('odd names under a blocked domain are blocked', () => {
    for (const host of ['x_y.badsite.example', '-x.badsite.example', 'x-.badsite.example', `${'a.'.repeat(130)}badsite.example`, 'X_Y.BADSITE.EXAMPLE.', 'badsite.example..']) {
      const verdict = judgeHost(rules, host);
      expect(verdict, host).toMatchObject({ ok: false, reason: 'blocked' });
    }
  });

  it('an odd name elsewhere is refused while rules apply, and let through when the school has none', () => {
    expect(judgeHost(rules, 'x_y.elsewhere.example')).toMatchObject({ ok: false, reason: 'unreadable_host' });
    expect(judgeHost([], 'x_y.elsewhere.example')).toMatchObject({ ok: true });
    expect(judgeHost(rules, 'fine.example')).toMatchObject({ ok: true, rule: null });
    expect(judgeHost(rules, '2001:db8::1')).toMatchObject({ ok: true });
  });

  it('matchable hosts are lower case, without trailing dots or brackets, in their xn-- form', () => {
    expect(matchableHost('Bücher.Example.')).toBe('xn--bcher-kva.example');
    expect(matchableHost('[2001:DB8::1]')).toBe('2001:db8::1');
    expect(matchableHost('x_y.Example')).toBe('x_y.example');
  });
});

describe('strict dates', () => {
  it('takes a day or an ISO time with years 1970 to 9999', () => {
    expect(parseStrictDate('2025-09-01')?.toISOString()).toBe('2025-09-01T00:00:00.000Z');
    expect(parseStrictDate('2025-09-01', { endOfDay: true })?.toISOString()).toBe('2025-09-01T23:59:59.999Z');
    expect(parseStrictDate('2025-09-01T08:00:00+01:00')?.toISOString()).toBe('2025-09-01T07:00:00.000Z');
    expect(parseStrictDate('9999-12-31T23:59:59.999Z')?.toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });

  it('refuses everything else', () => {
    for (const text of ['+200000-01-01', '-271821-04-20', '0000-01-01', '1969-12-31', '10000-01-01', '2025-02-30', '2025-13-01', '2025-1-1', '2025-09-01T25:00Z', 'tomorrow', '', '2025-09-01 08:00', '9999-12-31T23:59:59-01:00']) {
      expect(parseStrictDate(text), text).toBeUndefined();
    }
  });
});

describe('board tokens in logs', () => {
  it('are replaced wherever a path carries one', () => {
    expect(redactBoardTokens('/api/board/abcDEF123_-xyz/items/1/report')).toBe('/api/board/[redacted]/items/1/report');
    expect(redactBoardTokens('/media/board/abcDEF123_-xyz/1/0/video.mp4')).toBe('/media/board/[redacted]/1/0/video.mp4');
    expect(redactBoardTokens('/board/abcDEF123_-xyz?x=1')).toBe('/board/[redacted]?x=1');
    expect(redactBoardTokens('/api/classes')).toBe('/api/classes');
  });
});
