import { describe, expect, it } from 'vitest';
import { decideRange, fileEtag } from '../../src/http/byte-range.js';

const modified = new Date('2026-03-01T10:00:00Z');
const f = { size: 1000, etag: fileEtag(1000, modified), lastModified: modified.toUTCString() };
const get = (h: Record<string, string>) => decideRange({ method: 'GET', ...h }, f);

describe('byte ranges of an immutable file', () => {
  it('uses nginx’s ETag form, so both servers agree', () => {
    expect(fileEtag(1000, modified)).toBe(`"${(modified.getTime() / 1000).toString(16)}-3e8"`);
  });

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
