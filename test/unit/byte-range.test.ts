import { describe, expect, it } from 'vitest';
import { parseRange } from '../../src/http/byte-range.js';

describe('parseRange', () => {
  it('serves the whole file without a header, for other units, several ranges or nonsense', () => {
    for (const h of [undefined, '', 'items=0-5', 'bytes=0-1,5-9', 'bytes=abc', 'bytes=-', 'bytes=9-3']) {
      expect(parseRange(h, 100)).toEqual({ kind: 'whole' });
    }
  });
  it('serves one range, clipped to the end of the file', () => {
    expect(parseRange('bytes=0-0', 100)).toEqual({ kind: 'part', start: 0, end: 0 });
    expect(parseRange('bytes=10-19', 100)).toEqual({ kind: 'part', start: 10, end: 19 });
    expect(parseRange('bytes=90-500', 100)).toEqual({ kind: 'part', start: 90, end: 99 });
    expect(parseRange('bytes=50-', 100)).toEqual({ kind: 'part', start: 50, end: 99 });
    expect(parseRange(' Bytes = 1 - 2 ', 100)).toEqual({ kind: 'part', start: 1, end: 2 });
  });
  it('serves a suffix: the last N bytes', () => {
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'part', start: 90, end: 99 });
    expect(parseRange('bytes=-1000', 100)).toEqual({ kind: 'part', start: 0, end: 99 });
  });
  it('refuses ranges that start past the end, an empty suffix, or any range of an empty file', () => {
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=100-200', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-5', 0)).toEqual({ kind: 'unsatisfiable' });
  });
});
