import { describe, expect, it } from 'vitest';
import { VettedError } from '../../src/domain/errors.js';
import { parseTimestamp, recogniseLink, sniffKind } from '../../src/domain/link.js';

const ID = 'dQw4w9WgXcQ';
const CANONICAL = `https://www.youtube.com/watch?v=${ID}`;

function recognise(href: string) {
  return recogniseLink(new URL(href));
}

function errorOf(href: string): VettedError {
  try {
    recognise(href);
  } catch (e) {
    expect(e).toBeInstanceOf(VettedError);
    return e as VettedError;
  }
  throw new Error(`expected ${href} to be refused`);
}

describe('recogniseLink: YouTube spellings', () => {
  const spellings = [
    `https://www.youtube.com/watch?v=${ID}`,
    `https://youtube.com/watch?v=${ID}`,
    `http://www.youtube.com/watch?v=${ID}`,
    `https://m.youtube.com/watch?v=${ID}`,
    `https://music.youtube.com/watch?v=${ID}`,
    `https://WWW.YouTube.com/watch?v=${ID}`,
    `https://www.youtube.com./watch?v=${ID}`,
    `https://www.youtube.com/watch?feature=share&v=${ID}`,
    `https://www.youtube.com/watch?v=${ID}&list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG&index=3`,
    `https://www.youtube.com/watch?v=${ID}&si=AbCdEf123&pp=ygUFaGVsbG8%3D`,
    `https://www.youtube.com/watch?v=${ID}&utm_source=newsletter&utm_medium=email`,
    `https://youtu.be/${ID}`,
    `https://youtu.be/${ID}?si=AbCdEf123`,
    `https://www.youtube.com/shorts/${ID}`,
    `https://youtube.com/shorts/${ID}?feature=share`,
    `https://www.youtube.com/embed/${ID}`,
    `https://www.youtube.com/embed/${ID}?rel=0&autoplay=1`,
    `https://www.youtube.com/live/${ID}?si=xyz`,
    `https://www.youtube.com/v/${ID}?version=3`,
    `https://www.youtube-nocookie.com/embed/${ID}`,
    `https://youtube-nocookie.com/embed/${ID}`,
    `https://www.youtubekids.com/watch?v=${ID}`,
    `https://www.youtube.com/attribution_link?a=x&u=%2Fwatch%3Fv%3D${ID}%26feature%3Dshare`,
  ];
  for (const href of spellings) {
    it(href, () => {
      const link = recognise(href);
      expect(link.kind).toBe('youtube');
      expect(link.youtubeId).toBe(ID);
      expect(link.canonicalUrl).toBe(CANONICAL);
      expect(link.startSeconds).toBeUndefined();
      expect(link.url.href).toBe(new URL(href).href);
    });
  }

  it('keeps ids with - and _ exactly', () => {
    expect(recognise('https://youtu.be/a-B_c1D2e3F').youtubeId).toBe('a-B_c1D2e3F');
  });
});

describe('recogniseLink: start times', () => {
  const cases: Array<[string, number]> = [
    [`https://youtu.be/${ID}?t=90`, 90],
    [`https://youtu.be/${ID}?t=90s`, 90],
    [`https://www.youtube.com/watch?v=${ID}&t=1m30s`, 90],
    [`https://www.youtube.com/watch?v=${ID}&t=1h2m3s`, 3723],
    [`https://www.youtube.com/watch?v=${ID}&t=90s&list=PL123`, 90],
    [`https://www.youtube.com/watch?v=${ID}#t=90`, 90],
    [`https://www.youtube.com/watch?v=${ID}#t=1m30s`, 90],
    [`https://www.youtube.com/embed/${ID}?start=45`, 45],
    [`https://www.youtube.com/shorts/${ID}?t=5`, 5],
  ];
  for (const [href, seconds] of cases) {
    it(href, () => {
      const link = recognise(href);
      expect(link.startSeconds).toBe(seconds);
      expect(link.canonicalUrl).toBe(CANONICAL);
    });
  }

  it('ignores zero and nonsense start times', () => {
    expect(recognise(`https://youtu.be/${ID}?t=0`).startSeconds).toBeUndefined();
    expect(recognise(`https://youtu.be/${ID}?t=soon`).startSeconds).toBeUndefined();
  });
});

describe('parseTimestamp', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['1m30s', 90],
    ['1m', 60],
    ['2h', 7200],
    ['1h2m3s', 3723],
    ['1h3s', 3603],
    ['1:30', 90],
    ['1:02:03', 3723],
    ['75:00', 4500],
    [' 12.7 ', 12],
    ['0', 0],
  ])('%s → %d', (t, s) => {
    expect(parseTimestamp(t)).toBe(s);
  });

  it.each(['', 'abc', '-5', '1x', 'm', 'h', '1:2:3:4', '1:75', '1:60:00'])('%j → undefined', (t) => {
    expect(parseTimestamp(t)).toBeUndefined();
  });
});

describe('recogniseLink: YouTube links that are not one video', () => {
  const notVideo: Array<[string, RegExp]> = [
    ['https://www.youtube.com/@SesameStreet', /channel page/],
    ['https://www.youtube.com/@SesameStreet/videos', /channel page/],
    ['https://www.youtube.com/channel/UC1234567890abcdefghij', /channel page/],
    ['https://www.youtube.com/c/SomeChannel', /channel page/],
    ['https://www.youtube.com/user/someone', /channel page/],
    ['https://www.youtube.com/playlist?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG', /playlist/],
    ['https://www.youtube.com/watch?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG', /playlist/],
    ['https://www.youtube.com/embed/videoseries?list=PL123', /playlist/],
    ['https://www.youtube.com/results?search_query=counting+songs', /search page/],
    ['https://www.youtube.com/', /single video/],
    ['https://www.youtube.com/feed/subscriptions', /single video/],
    ['https://youtu.be/', /single video/],
    ['https://www.youtube.com/clip/UgkxAbCdEfGhIjKlMnOpQrStUvWxYz012345', /clip/],
  ];
  for (const [href, message] of notVideo) {
    it(href, () => {
      const e = errorOf(href);
      expect(e.code).toBe('youtube_not_a_video');
      expect(e.httpStatus).toBe(422);
      expect(e.transient).toBe(false);
      expect(e.message).toMatch(message);
      expect(e.message).toMatch(/copy its link/);
    });
  }

  it('says exactly what to do with a channel page', () => {
    expect(errorOf('https://www.youtube.com/@name').message).toBe(
      'This is a YouTube channel page, not a single video. Open the video you want and copy its link.',
    );
  });

  const malformed = [
    'https://www.youtube.com/watch?v=',
    'https://www.youtube.com/watch?v=short',
    'https://www.youtube.com/watch?v=dQw4w9WgXcQQ',
    'https://www.youtube.com/watch?v=dQw4w9WgX%3CQ',
    'https://www.youtube.com/watch',
    'https://youtu.be/tooShort',
    'https://youtu.be/dQw4w9WgXc!',
    'https://www.youtube.com/shorts/abc',
    'https://www.youtube.com/embed/dQw4w9WgXcQ123',
  ];
  for (const href of malformed) {
    it(`${href} → youtube_bad_id`, () => {
      const e = errorOf(href);
      expect(e.code).toBe('youtube_bad_id');
      expect(e.httpStatus).toBe(422);
    });
  }
});

describe('recogniseLink: other links', () => {
  it.each(['mp4', 'm4v', 'webm', 'mov', 'mkv', 'avi', 'ts', 'm2ts', 'mpg', 'mpeg', 'ogv', 'flv', '3gp'])(
    'recognises .%s as media',
    (ext) => {
      expect(recognise(`https://cdn.example.org/videos/frogs.${ext}`).kind).toBe('media');
      expect(recognise(`https://cdn.example.org/videos/FROGS.${ext.toUpperCase()}?token=abc`).kind).toBe('media');
    },
  );

  it('treats page-like extensions as pages and everything else as unknown', () => {
    expect(recognise('https://example.org/story.html').kind).toBe('page');
    expect(recognise('https://example.org/index.php?id=3').kind).toBe('page');
    expect(recognise('https://example.org/Default.aspx').kind).toBe('page');
    expect(recognise('https://example.org/stories/frogs').kind).toBe('unknown');
    expect(recognise('https://example.org/').kind).toBe('unknown');
    expect(recognise('https://example.org/file.pdf').kind).toBe('unknown');
    expect(recognise('https://vimeo.com/123456').kind).toBe('unknown');
  });

  it('canonicalises: lowercased host, no fragment, no tracking params, no credentials', () => {
    const link = recognise(
      'https://user:pw@Example.ORG/Stories/Frogs?id=7&utm_source=x&UTM_Campaign=y&fbclid=1&gclid=2&mc_cid=3&mc_eid=4&page=2#comments',
    );
    expect(link.canonicalUrl).toBe('https://example.org/Stories/Frogs?id=7&page=2');
    expect(recognise('https://example.org/a?utm_source=x#top').canonicalUrl).toBe('https://example.org/a');
    expect(recognise('https://example.org/v.mp4?fbclid=abc').canonicalUrl).toBe('https://example.org/v.mp4');
  });

  it('refuses non-web schemes', () => {
    expect(errorOf('ftp://example.org/video.mp4').code).toBe('link_unsupported');
  });
});

describe('sniffKind', () => {
  const pad = (b: Buffer, n = 400) => Buffer.concat([b, Buffer.alloc(Math.max(0, n - b.length))]);

  const mp4 = pad(Buffer.from([0, 0, 0, 0x20, ...Buffer.from('ftypisom'), 0, 0, 2, 0]));
  const mov = pad(Buffer.from([0, 0, 0, 0x14, ...Buffer.from('ftypqt  ')]));
  const oldMov = pad(Buffer.from([0, 0, 0, 0x08, ...Buffer.from('wide')]));
  const mkv = pad(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81]));
  const avi = pad(Buffer.from('RIFF\x10\x00\x00\x00AVI LIST', 'latin1'));
  const ts = Buffer.alloc(400);
  ts[0] = 0x47;
  ts[188] = 0x47;
  const m2ts = Buffer.alloc(400);
  m2ts[4] = 0x47;
  m2ts[196] = 0x47;
  const flv = pad(Buffer.from([0x46, 0x4c, 0x56, 0x01, 0x05]));
  const ogg = pad(Buffer.from('OggS\x00\x02', 'latin1'));
  const mpegPs = pad(Buffer.from([0, 0, 1, 0xba, 0x44]));
  const heic = pad(Buffer.from([0, 0, 0, 0x18, ...Buffer.from('ftypheic')]));
  const wav = pad(Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt ', 'latin1'));

  it.each([
    ['mp4', mp4],
    ['mov', mov],
    ['old mov', oldMov],
    ['mkv/webm', mkv],
    ['avi', avi],
    ['mpeg-ts', ts],
    ['m2ts', m2ts],
    ['flv', flv],
    ['ogg', ogg],
    ['mpeg-ps', mpegPs],
  ])('%s magic under octet-stream or no type → media', (_, bytes) => {
    expect(sniffKind('application/octet-stream', bytes)).toBe('media');
    expect(sniffKind(undefined, bytes)).toBe('media');
    expect(sniffKind('binary/octet-stream', bytes)).toBe('media');
  });

  it('trusts video/* types', () => {
    expect(sniffKind('video/mp4', mp4)).toBe('media');
    expect(sniffKind('Video/WebM; codecs="vp9"', Buffer.alloc(0))).toBe('media');
  });

  it('does not mistake still images, audio or unknown bytes for media', () => {
    expect(sniffKind('application/octet-stream', heic)).toBe('other');
    expect(sniffKind('application/octet-stream', wav)).toBe('other');
    expect(sniffKind('application/octet-stream', Buffer.from('hello world'))).toBe('other');
    expect(sniffKind('image/jpeg', mp4)).toBe('other');
    expect(sniffKind('application/pdf', Buffer.from('%PDF-1.7'))).toBe('other');
    const short = Buffer.alloc(100);
    short[0] = 0x47;
    expect(sniffKind(undefined, short)).toBe('other');
  });

  it('recognises pages by type or by markup', () => {
    expect(sniffKind('text/html; charset=utf-8', Buffer.from('anything'))).toBe('page');
    expect(sniffKind('application/xhtml+xml', Buffer.from('<?xml version="1.0"?>'))).toBe('page');
    expect(sniffKind(undefined, Buffer.from('  \n<!DOCTYPE html><html><body>hi'))).toBe('page');
    expect(sniffKind('text/plain', Buffer.from('<html lang="en">'))).toBe('page');
    expect(sniffKind('application/octet-stream', Buffer.from('\ufeff<!doctype html>', 'utf8'))).toBe('page');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<html><body>', 'utf16le')]);
    expect(sniffKind(undefined, utf16)).toBe('page');
    // An HTML error page under a video type is still a page.
    expect(sniffKind('video/mp4', Buffer.from('<!doctype html><title>404</title>'))).toBe('page');
  });

  it('treats HLS playlists as other', () => {
    expect(sniffKind('application/vnd.apple.mpegurl', Buffer.from('#EXTM3U\n'))).toBe('other');
    expect(sniffKind('application/octet-stream', Buffer.from('#EXTM3U\n#EXT-X-VERSION:3'))).toBe('other');
    expect(sniffKind('text/plain', Buffer.from('\ufeff#EXTM3U', 'utf8'))).toBe('other');
    expect(sniffKind('video/mp2t', Buffer.from('#EXTM3U'))).toBe('other');
  });
});
