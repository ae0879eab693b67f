import { describe, expect, it } from 'vitest';
import { decideRange, parseRange } from '../../src/http/byte-range.js';

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

const modified = new Date('2026-03-01T10:00:00Z');
const f = { size: 1000, etag: '"5a-3e8-18f"', lastModified: modified.toUTCString() };
const get = (h: Record<string, string>) => decideRange({ method: 'GET', ...h }, f);

describe('conditional and Range requests of an immutable file', () => {
  it('answers the whole file without a Range header', () => {
    expect(get({})).toEqual({ status: 200 });
  });

  it('serves the first byte, the last byte, an open range and a suffix', () => {
    expect(get({ range: 'bytes=0-0' })).toEqual({ status: 206, start: 0, end: 0 });
    expect(get({ range: 'bytes=999-999' })).toEqual({ status: 206, start: 999, end: 999 });
    expect(get({ range: 'bytes=-1' })).toEqual({ status: 206, start: 999, end: 999 });
    expect(get({ range: 'bytes=500-' })).toEqual({ status: 206, start: 500, end: 999 });
    expect(get({ range: 'bytes=-5000' })).toEqual({ status: 206, start: 0, end: 999 });
    expect(get({ range: 'bytes=990-5000' })).toEqual({ status: 206, start: 990, end: 999 });
  });

  it('refuses a range that starts past the end, and an empty suffix, with 416', () => {
    expect(get({ range: 'bytes=1000-' })).toEqual({ status: 416 });
    expect(get({ range: 'bytes=5000-6000' })).toEqual({ status: 416 });
    expect(get({ range: 'bytes=-0' })).toEqual({ status: 416 });
    expect(decideRange({ method: 'GET', range: 'bytes=0-' }, { ...f, size: 0 })).toEqual({ status: 416 });
  });

  it('ignores a Range it cannot read (the whole file, as the RFC says)', () => {
    for (const range of ['items=0-1', 'bytes=', 'bytes=-', 'bytes=abc', 'bytes=5-2', 'bytes=1-2-3']) {
      expect(get({ range }), range).toEqual({ status: 200 });
    }
  });

  it('answers several ranges with the whole file', () => {
    expect(get({ range: 'bytes=0-1,5-6' })).toEqual({ status: 200 });
    expect(get({ range: 'bytes=0-0,-1' })).toEqual({ status: 200 });
  });

  it('honours If-Range only for the exact ETag or date; otherwise the whole file', () => {
    expect(get({ range: 'bytes=0-9', ifRange: f.etag })).toEqual({ status: 206, start: 0, end: 9 });
    expect(get({ range: 'bytes=0-9', ifRange: f.lastModified })).toEqual({ status: 206, start: 0, end: 9 });
    expect(get({ range: 'bytes=0-9', ifRange: '"other"' })).toEqual({ status: 200 });
    expect(get({ range: 'bytes=0-9', ifRange: `W/${f.etag}` })).toEqual({ status: 200 });
    expect(get({ range: 'bytes=0-9', ifRange: new Date(modified.getTime() + 1000).toUTCString() })).toEqual({ status: 200 });
  });

  it('answers 304 for a matching If-None-Match (weak comparison) or an unchanged If-Modified-Since', () => {
    expect(get({ ifNoneMatch: f.etag })).toEqual({ status: 304 });
    expect(get({ ifNoneMatch: `"x", W/${f.etag}` })).toEqual({ status: 304 });
    expect(get({ ifNoneMatch: '*' })).toEqual({ status: 304 });
    expect(get({ ifNoneMatch: '"x"', range: 'bytes=0-0' })).toEqual({ status: 206, start: 0, end: 0 });
    expect(get({ ifModifiedSince: f.lastModified })).toEqual({ status: 304 });
    expect(get({ ifModifiedSince: new Date(modified.getTime() - 1000).toUTCString() })).toEqual({ status: 200 });
    // If-None-Match wins over If-Modified-Since.
    expect(get({ ifNoneMatch: '"x"', ifModifiedSince: f.lastModified })).toEqual({ status: 200 });
  });

  it('never answers a range to HEAD', () => {
    expect(decideRange({ method: 'HEAD', range: 'bytes=0-0' }, f)).toEqual({ status: 200 });
  });
});
