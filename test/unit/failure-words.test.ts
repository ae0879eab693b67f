import { describe, expect, it } from 'vitest';
import { causeOnly, retriesExhausted, retryScheduled } from '../../src/domain/failure-words.js';
import { withSchemeAsMeant } from '../../src/net/url.js';

describe('failure messages tell the truth about retrying', () => {
  const msg = 'The site is having trouble right now (HTTP 503). Vetted will try again later.';

  it('promises a retry only with its time and number', () => {
    expect(causeOnly(msg)).toBe('The site is having trouble right now (HTTP 503).');
    expect(retryScheduled(msg, 2, 5, 30_000)).toBe('The site is having trouble right now (HTTP 503). Vetted will try again in about 30 seconds (try 2 of 5).');
    expect(retryScheduled(msg, 3, 5, 4 * 60_000)).toMatch(/in about 4 minutes \(try 3 of 5\)\.$/);
    expect(retryScheduled(msg, 2, 3, 100)).toMatch(/in a few seconds/);
  });

  it('keeps the way out a message names, without its promise', () => {
    const yt =
      'YouTube refused to send this video to the school server (it often blocks servers). Vetted will try again later; if it keeps failing, download the video and upload the file to the playlist instead.';
    expect(causeOnly(yt)).toBe(
      'YouTube refused to send this video to the school server (it often blocks servers). Download the video and upload the file to the playlist instead.',
    );
    expect(causeOnly('No internet right now. Vetted will try again later; if it keeps happening, tell your IT person.')).toBe(
      'No internet right now. Tell your IT person.',
    );
  });

  it('after the last try says that Vetted has stopped, and never "will try again"', () => {
    const last = retriesExhausted(msg, 5);
    expect(last).toMatch(/Vetted tried 5 times and has stopped/);
    expect(last).not.toMatch(/will try again/);
  });
});

describe('a link typed as a teacher types it', () => {
  it('gains https:// when it starts with a host name', () => {
    expect(withSchemeAsMeant('www.bbc.co.uk/cbeebies')).toBe('https://www.bbc.co.uk/cbeebies');
    expect(withSchemeAsMeant(' youtube.com/watch?v=AbCdEfGhIjK ')).toBe('https://youtube.com/watch?v=AbCdEfGhIjK');
    expect(withSchemeAsMeant('example.org')).toBe('https://example.org');
    expect(withSchemeAsMeant('//cdn.example.org/a.mp4')).toBe('https://cdn.example.org/a.mp4');
  });

  it('leaves links with a scheme, and things that are not links, alone', () => {
    expect(withSchemeAsMeant('http://example.org/x')).toBe('http://example.org/x');
    expect(withSchemeAsMeant('ftp://example.org/x')).toBe('ftp://example.org/x');
    expect(withSchemeAsMeant('frogs')).toBe('frogs');
    expect(withSchemeAsMeant('javascript:alert(1)')).toBe('javascript:alert(1)');
    expect(withSchemeAsMeant('a b.com')).toBe('a b.com');
  });
});
