/**
 * The yt-dlp backend's pure parts: the arguments it passes and how it reads yt-dlp's output. Canned output lives in
 * test/fixtures/youtube (ytdlp-info.json is a trimmed `yt-dlp -J` result; ytdlp-stderr.txt holds ERROR lines in
 * yt-dlp's wording). No yt-dlp program is needed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VettedError } from '../../src/domain/errors.js';
import {
  detailsArgs,
  downloadArgs,
  parseDetailsJson,
  parseProgressLine,
  pickCaptionsFile,
  pickVideoFile,
  ytdlpError,
  YTDLP_FORMAT,
} from '../../src/sources/youtube/ytdlp-backend.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'youtube');

describe('yt-dlp arguments', () => {
  it('reads details with -J, YouTube extractor only, no config, the canonical URL after --', () => {
    const args = detailsArgs('VettedOk001');
    expect(args).toEqual(expect.arrayContaining(['-J', '--ignore-config', '--no-config', '--no-playlist']));
    expect(args[args.indexOf('--ies') + 1]).toBe('youtube');
    expect(args.slice(-2)).toEqual(['--', 'https://www.youtube.com/watch?v=VettedOk001']);
  });

  it('downloads up to 1080p into our own file names, with English captions and our ffmpeg', () => {
    const args = downloadArgs('VettedOk001', { workDir: '/work/item 1', ffmpegLocation: '/usr/bin/ffmpeg', maxBytes: 2 ** 31, socketTimeoutSeconds: 30 });
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    expect(value('-f')).toBe(YTDLP_FORMAT);
    expect(YTDLP_FORMAT).toBe('bv*[height<=?1080]+ba/b[height<=?1080]');
    expect(value('--merge-output-format')).toBe('mp4');
    expect(value('--paths')).toBe('/work/item 1');
    expect(value('-o')).toBe('ytdlp-source.%(ext)s');
    expect(value('--sub-langs')).toBe('en.*');
    expect(value('--sub-format')).toBe('vtt');
    expect(value('--ffmpeg-location')).toBe('/usr/bin/ffmpeg');
    expect(value('--max-filesize')).toBe(String(2 ** 31));
    expect(value('--ies')).toBe('youtube');
    expect(args).toContain('--write-subs');
    expect(args.slice(-2)).toEqual(['--', 'https://www.youtube.com/watch?v=VettedOk001']);
  });

  it('never passes options that run commands, read a browser or load config, and no proxy or cookies unless set up', () => {
    const all = [...detailsArgs('VettedOk001'), ...downloadArgs('VettedOk001', { workDir: '/w', maxBytes: 1 })];
    for (const forbidden of ['--exec', '--exec-before-download', '--proxy', '--cookies', '--cookies-from-browser', '--config-locations']) {
      expect(all).not.toContain(forbidden);
    }
  });

  it('refuses anything but a real video id, so nothing odd ever reaches the command line', () => {
    for (const bad of ['--exec=rm', 'VettedOk00', 'https://x', 'Vetted0k001;']) {
      expect(() => detailsArgs(bad)).toThrow(VettedError);
    }
  });
});

describe('parseDetailsJson', () => {
  it('maps yt-dlp -J output to the details Vetted keeps', () => {
    const d = parseDetailsJson(readFileSync(path.join(fixtures, 'ytdlp-info.json'), 'utf8'), 'VettedOk001');
    expect(d).toMatchObject({
      id: 'VettedOk001',
      title: 'Counting ducks',
      channel: 'Vetted Test Channel',
      channelUrl: 'https://www.youtube.com/channel/UCvettedtestchannel00000',
      durationSeconds: 2,
      isLive: false,
      isUpcoming: false,
      ageRestricted: false,
      familySafe: null,
      madeForKids: null,
      licence: 'Creative Commons Attribution license (reuse allowed)',
      thumbnailUrl: 'https://i.ytimg.com/vi/VettedOk001/maxresdefault.jpg',
    });
    // English only, vtt only: the written en-GB track and the automatic en one.
    expect(d.captions).toEqual([
      { lang: 'en-GB', name: 'English (United Kingdom)', url: expect.stringContaining('fmt=vtt'), auto: false },
      { lang: 'en', name: 'English', url: expect.stringContaining('kind=asr'), auto: true },
    ]);
  });

  it('reads live, upcoming and age-limited videos', () => {
    const base = JSON.parse(readFileSync(path.join(fixtures, 'ytdlp-info.json'), 'utf8')) as Record<string, unknown>;
    const parse = (over: Record<string, unknown>) => parseDetailsJson(JSON.stringify({ ...base, ...over }), 'VettedOk001');
    expect(parse({ is_live: true, live_status: 'is_live', duration: null })).toMatchObject({ isLive: true, durationSeconds: 0 });
    expect(parse({ is_live: false, live_status: 'is_upcoming' })).toMatchObject({ isUpcoming: true });
    expect(parse({ live_status: 'post_live' })).toMatchObject({ isLive: true });
    expect(parse({ age_limit: 18 })).toMatchObject({ ageRestricted: true });
  });

  it('turns output that is not JSON into a transient youtube_failed', () => {
    const err = (() => {
      try {
        parseDetailsJson('WARNING: something\n', 'VettedOk001');
      } catch (e) {
        return e as VettedError;
      }
      throw new Error('expected a failure');
    })();
    expect(err.code).toBe('youtube_failed');
    expect(err.transient).toBe(true);
  });
});

describe('ytdlpError', () => {
  const cases = readFileSync(path.join(fixtures, 'ytdlp-stderr.txt'), 'utf8')
    .split(/^== /m)
    .slice(1)
    .map((block) => {
      const [code, ...lines] = block.split('\n');
      return { code: (code ?? '').trim(), stderr: lines.join('\n') };
    });

  it.each(cases)('maps canned stderr to $code', ({ code, stderr }) => {
    const err = ytdlpError({ stderr });
    expect(err.code).toBe(code);
    expect(err.transient).toBe(['youtube_blocked', 'youtube_failed', 'youtube_kids_unavailable', 'youtube_offline'].includes(code));
    // Every refusal is a sentence with a way out, never yt-dlp's own text.
    expect(err.message).toMatch(/^[A-Z].*\.$/);
    expect(err.message).not.toMatch(/ERROR|yt-dlp\/issues|--cookies/);
  });

  it('says how to get out of a block', () => {
    expect(ytdlpError({ stderr: cases.find((c) => c.code === 'youtube_blocked')!.stderr }).message).toBe(
      'YouTube refused to send this video to the school server (it often blocks servers). Vetted will try again later; if it keeps failing, download the video and upload the file to the playlist instead, and ask your IT person to look at the YouTube page of the admin console.',
    );
  });

  it('reads a skipped oversized file as too large', () => {
    const err = ytdlpError({ stderr: '[download] File is larger than max-filesize (99999999 bytes > 100 bytes). Aborting.', maxBytes: 100 });
    expect(err.code).toBe('fetch_too_large');
  });

  it('reports a missing program and a timeout', () => {
    const missing = ytdlpError({ stderr: '', spawnError: Object.assign(new Error('spawn yt-dlp ENOENT'), { code: 'ENOENT' }) });
    expect(missing.code).toBe('youtube_backend_missing');
    const slow = ytdlpError({ stderr: '', timedOut: true });
    expect(slow.code).toBe('fetch_timeout');
    expect(slow.transient).toBe(true);
  });
});

describe('reading yt-dlp output', () => {
  it('parses --newline progress lines', () => {
    expect(parseProgressLine('[download]  42.3% of ~  10.00MiB at  1.00MiB/s ETA 00:05')).toBe(42.3);
    expect(parseProgressLine('[download] 100% of    1.23MiB in 00:00:01 at 1.00MiB/s')).toBe(100);
    expect(parseProgressLine('[download] Destination: /w/ytdlp-source.f137.mp4')).toBeUndefined();
    expect(parseProgressLine('[Merger] Merging formats into "/w/ytdlp-source.mp4"')).toBeUndefined();
  });

  it('finds the merged video and the English captions among yt-dlp leftovers', () => {
    const names = ['ytdlp-source.f137.mp4.part', 'ytdlp-source.fr.vtt', 'ytdlp-source.en-GB.vtt', 'ytdlp-source.en.vtt', 'ytdlp-source.mp4', 'source.json'];
    expect(pickVideoFile(names)).toBe('ytdlp-source.mp4');
    expect(pickCaptionsFile(names)).toBe('ytdlp-source.en.vtt');
    expect(pickCaptionsFile(['ytdlp-source.en-orig.vtt', 'ytdlp-source.en-US.vtt'])).toBe('ytdlp-source.en-US.vtt');
    expect(pickVideoFile(['ytdlp-source.f137.mp4', 'ytdlp-source.webm.part'])).toBeUndefined();
  });
});
