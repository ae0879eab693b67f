import { describe, expect, it } from 'vitest';
import { VettedError } from '../../src/domain/errors.js';
import { chooseStreams, resolutionOf, type StreamFormat } from '../../src/sources/youtube/formats.js';
import {
  assessVideo,
  classifyYouTubeRefusal,
  looksLikeWebVtt,
  pickEnglishCaptions,
  type CaptionTrack,
  type VideoDetails,
} from '../../src/sources/youtube/video-site.js';

function details(over: Partial<VideoDetails> = {}): VideoDetails {
  return {
    id: 'VettedOk001',
    title: 'Counting ducks',
    channel: 'Vetted Test Channel',
    durationSeconds: 60,
    isLive: false,
    isUpcoming: false,
    ageRestricted: false,
    familySafe: true,
    madeForKids: null,
    captions: [],
    ...over,
  };
}

function refusal(fn: () => unknown): VettedError {
  try {
    fn();
  } catch (e) {
    if (e instanceof VettedError) return e;
    throw e;
  }
  throw new Error('expected a VettedError');
}

describe('assessVideo', () => {
  it('lets an ordinary video through without flags', () => {
    expect(assessVideo(details(), { ageRestrictedPolicy: 'refuse' })).toEqual({ flags: [] });
  });

  it.each([{ isLive: true }, { isUpcoming: true }])('refuses live and upcoming streams (%o), whatever the policy', (over) => {
    for (const policy of ['refuse', 'flag'] as const) {
      const err = refusal(() => assessVideo(details(over), { ageRestrictedPolicy: policy }));
      expect(err.code).toBe('youtube_live');
      expect(err.transient).toBe(false);
      expect(err.message).toMatch(/Vetted can only prepare recorded videos/);
    }
  });

  it('refuses age-restricted and not-family-safe videos by default', () => {
    for (const over of [{ ageRestricted: true }, { familySafe: false }]) {
      const err = refusal(() => assessVideo(details(over), { ageRestrictedPolicy: 'refuse' }));
      expect(err.code).toBe('youtube_age_restricted');
      expect(err.message).toBe('YouTube marks this video as age-restricted, so it is not suitable for the classroom.');
      expect(err.transient).toBe(false);
    }
  });

  it("flags them for review under 'flag'", () => {
    expect(assessVideo(details({ ageRestricted: true, familySafe: false }), { ageRestrictedPolicy: 'flag' })).toEqual({
      flags: ['age_restricted', 'not_family_safe'],
    });
  });

  it('treats an unknown family-safe mark as no objection', () => {
    expect(assessVideo(details({ familySafe: null }), { ageRestrictedPolicy: 'refuse' }).flags).toEqual([]);
  });
});

describe('classifyYouTubeRefusal', () => {
  it.each([
    ['Sign in to confirm you’re not a bot', 'blocked'],
    ["Sign in to confirm you're not a bot", 'blocked'],
    ['Sign in to confirm your age', 'age'],
    ['This video may be inappropriate for some users.', 'age'],
    ['This live event will begin in 3 hours.', 'live'],
    ['The live stream is offline.', 'live'],
    ['Video unavailable', 'unavailable'],
    ['Private video', 'unavailable'],
    ['This video has been removed by the uploader', 'unavailable'],
    ['Status code: 500', undefined],
  ])('%s → %s', (text, kind) => {
    expect(classifyYouTubeRefusal(text)).toBe(kind);
  });
});

describe('pickEnglishCaptions', () => {
  const t = (lang: string, auto: boolean): CaptionTrack => ({ lang, auto, name: lang, url: `https://www.youtube.com/api/timedtext?lang=${lang}` });

  it('prefers written English, plain "en" first, over automatic captions', () => {
    expect(pickEnglishCaptions([t('en', true), t('en-GB', false), t('en', false)])).toEqual(t('en', false));
    expect(pickEnglishCaptions([t('en', true), t('en-GB', false)])).toEqual(t('en-GB', false));
  });

  it('falls back to automatic English, and to nothing for other languages', () => {
    expect(pickEnglishCaptions([t('fr', false), t('en', true)])).toEqual(t('en', true));
    expect(pickEnglishCaptions([t('fr', false), t('de', true)])).toBeUndefined();
  });
});

describe('looksLikeWebVtt', () => {
  it('accepts WebVTT with or without a BOM and refuses anything else', () => {
    expect(looksLikeWebVtt('WEBVTT\n\n00:00.000 --> 00:01.000\nHi')).toBe(true);
    expect(looksLikeWebVtt(Buffer.from('\uFEFFWEBVTT Kind: captions\n'))).toBe(true);
    expect(looksLikeWebVtt('<?xml version="1.0"?><transcript/>')).toBe(false);
    expect(looksLikeWebVtt('')).toBe(false);
    expect(looksLikeWebVtt('WEBVTTX')).toBe(false);
  });
});

describe('chooseStreams', () => {
  let n = 0;
  const f = (over: Partial<StreamFormat>): StreamFormat => ({
    itag: ++n,
    url: `https://rr1---sn-x.googlevideo.com/videoplayback?itag=${n}`,
    hasVideo: false,
    hasAudio: false,
    ...over,
  });
  const progressive = (label: string, over: Partial<StreamFormat> = {}) =>
    f({ hasVideo: true, hasAudio: true, qualityLabel: label, container: 'mp4', codecs: 'avc1.42001E, mp4a.40.2', ...over });
  const video = (label: string, codecs: string, container: string, over: Partial<StreamFormat> = {}) =>
    f({ hasVideo: true, qualityLabel: label, codecs, container, ...over });
  const audio = (bitrate: number, container: string, over: Partial<StreamFormat> = {}) =>
    f({ hasAudio: true, audioBitrate: bitrate, container, codecs: container === 'mp4' ? 'mp4a.40.2' : 'opus', ...over });
  const big = 10 ** 12;

  it('takes a 720p progressive stream over merging a better picture', () => {
    const p720 = progressive('720p');
    const choice = chooseStreams([progressive('360p'), p720, video('1080p', 'avc1.640028', 'mp4'), audio(128, 'mp4')], { maxBytes: big });
    expect(choice).toEqual({ kind: 'progressive', format: p720 });
  });

  it('merges the best picture up to 1080p, H.264 first, with sound in the same container', () => {
    const avc = video('1080p', 'avc1.640028', 'mp4');
    const m4a = audio(128, 'mp4');
    const choice = chooseStreams(
      [
        progressive('360p'),
        video('1440p', 'vp9', 'webm'),
        video('1080p', 'vp9', 'webm', { bitrate: 9_000_000 }),
        video('1080p', 'av01.0.08M.08', 'mp4'),
        avc,
        video('720p', 'avc1.4d401f', 'mp4'),
        audio(160, 'webm'),
        m4a,
      ],
      { maxBytes: big },
    );
    expect(choice).toEqual({ kind: 'adaptive', video: avc, audio: m4a });
  });

  it('uses WebM when that is all there is', () => {
    const vp9 = video('1080p', 'vp9', 'webm');
    const opus = audio(160, 'webm');
    expect(chooseStreams([vp9, opus, audio(128, 'mp4')], { maxBytes: big })).toEqual({ kind: 'adaptive', video: vp9, audio: opus });
  });

  it('keeps a small progressive stream when no merge would be better', () => {
    const p360 = progressive('360p');
    expect(chooseStreams([p360, video('240p', 'avc1', 'mp4'), audio(128, 'mp4')], { maxBytes: big })).toEqual({
      kind: 'progressive',
      format: p360,
    });
    expect(chooseStreams([p360], { maxBytes: big })).toEqual({ kind: 'progressive', format: p360 });
  });

  it('steps down in quality to stay under the byte limit', () => {
    const small = video('480p', 'avc1', 'mp4', { contentLength: '400' });
    const choice = chooseStreams(
      [video('1080p', 'avc1', 'mp4', { contentLength: '5000' }), small, audio(128, 'mp4', { contentLength: '100' })],
      { maxBytes: 1000 },
    );
    expect(choice).toMatchObject({ kind: 'adaptive', video: small });
    expect(chooseStreams([video('480p', 'avc1', 'mp4', { contentLength: '5000' }), audio(128, 'mp4')], { maxBytes: 1000 })).toEqual({
      kind: 'none',
      reason: 'too_large',
    });
  });

  it('ignores live, HLS and DASH entries and reports when nothing is downloadable', () => {
    expect(
      chooseStreams([progressive('720p', { isHLS: true }), progressive('720p', { isLive: true }), audio(128, 'mp4')], { maxBytes: big }),
    ).toEqual({ kind: 'none', reason: 'no_formats' });
  });

  it('takes a picture without sound only when the video has no sound at all', () => {
    const silent = video('720p', 'avc1', 'mp4');
    expect(chooseStreams([silent], { maxBytes: big })).toEqual({ kind: 'video-only', video: silent });
  });

  it('reads the resolution from the label, so a portrait 1080p Short still counts as 1080p', () => {
    expect(resolutionOf(f({ qualityLabel: '1080p60', width: 1080, height: 1920 }))).toBe(1080);
    expect(resolutionOf(f({ width: 1080, height: 1920 }))).toBe(1080);
  });
});
