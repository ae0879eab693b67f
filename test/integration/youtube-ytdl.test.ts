/**
 * The built-in YouTube backend end to end, offline: the real @distube/ytdl-core code runs against a local HTTPS
 * server standing in for www.youtube.com and *.googlevideo.com. How that stand-in was made (fixture player
 * responses, the stand-in base.js, media made with ffmpeg, the throw-away CA and the net/rewriteUrl hooks) is told in
 * test/helpers/fake-youtube.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ItemRow } from '../../src/db/schema.js';
import { createMediaAdapter, type MediaAdapter } from '../../src/media/ffmpeg.js';
import { policyFromConfig, type FetchPolicy } from '../../src/net/fetcher.js';
import type { FetchedVideo } from '../../src/sources/types.js';
import { youtubeSource, type AgeRestrictedPolicy } from '../../src/sources/youtube/index.js';
import { EXPECTED_N, EXPECTED_SIG, JS_URL, startFakeYouTube, type FakeYouTube } from '../helpers/fake-youtube.js';
import { makeFixture, mediaBinaries } from '../helpers/fixtures-media.js';
import { vettedFailure } from '../helpers/errors.js';

vi.setConfig({ testTimeout: 15_000, hookTimeout: 30_000 });

const run = promisify(execFile);
const dir = mkdtempSync(path.join(os.tmpdir(), 'vetted-youtube-'));

let yt: FakeYouTube;
let seen: string[];
let adapter: MediaAdapter;

beforeAll(async () => {
  yt = await startFakeYouTube({ seconds: 2 });
  seen = yt.seen;

  yt.addVideo('VettedOk001');
  yt.addVideo('VettedKid02', {
    edit: (pr) => {
      pr.microformat.playerMicroformatRenderer.isFamilySafe = false;
      delete pr.captions;
    },
  });
  yt.addVideo('Vetted403x7', {
    // Progressive only, so the one refused request is the whole download.
    edit: (pr) => {
      pr.streamingData.adaptiveFormats = [];
    },
    refuseMedia: true,
  });
  yt.addVideo('VettedLive3', { fixture: 'player-live.json' });
  yt.addVideo('VettedUpc08', { fixture: 'player-upcoming.json' });
  yt.addVideo('VettedGone4', { fixture: 'player-unavailable.json' });
  yt.addVideo('VettedAge05', { fixture: 'player-age-restricted.json' });
  yt.addVideo('VettedBot06', { fixture: 'player-bot-check.json' });

  const bins = mediaBinaries();
  adapter = createMediaAdapter({ ffmpegPath: bins.ffmpeg, ffprobePath: bins.ffprobe, timeoutMs: 30_000 });
});

afterAll(async () => {
  await yt?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  seen.length = 0;
});

function policy(allow = ['127.0.0.1/32']): FetchPolicy {
  return policyFromConfig({ fetchAllowPrivate: allow, maxDownloadBytes: 50 * 1024 * 1024, connectTimeoutMs: 2_000, idleTimeoutMs: 5_000 });
}

function backend() {
  // Small slices, so the test media (tens of KB) is fetched in several ranged requests.
  return yt.videoSite({ chunkBytes: 16 * 1024 });
}

let workCount = 0;
async function fetchItem(
  id: string,
  o: { age?: AgeRestrictedPolicy; allow?: string[] } = {},
): Promise<{ result: FetchedVideo; workDir: string; progress: number[] }> {
  const workDir = path.join(dir, `work-${++workCount}`);
  await mkdir(workDir, { recursive: true });
  const progress: number[] = [];
  const source = youtubeSource(backend(), { ageRestrictedPolicy: o.age ?? 'refuse', media: () => adapter });
  const item = { id: `item-${workCount}`, url: `https://www.youtube.com/watch?v=${id}` } as unknown as ItemRow;
  const result = (await source.fetch({
    item,
    workDir,
    policy: policy(o.allow),
    signal: new AbortController().signal,
    onProgress: (p) => progress.push(p),
  })) as FetchedVideo;
  return { result, workDir, progress };
}


describe('ytdl backend against a stand-in YouTube', () => {
  it('downloads picture and sound through the guard, merges them, and keeps English captions', async () => {
    const { result, workDir, progress } = await fetchItem('VettedOk001');

    expect(result).toMatchObject({
      type: 'video',
      file: 'youtube-source.mp4',
      title: 'Counting ducks',
      captions: 'captions.vtt',
      details: {
        source: 'youtube',
        backend: 'ytdl',
        youtubeId: 'VettedOk001',
        channel: 'Vetted Test Channel',
        channelUrl: 'https://www.youtube.com/@vettedtest',
        durationSeconds: 2,
        ageRestricted: false,
        familySafe: true,
        captions: true,
        flags: [],
      },
    });
    // Only the merged file and the captions are left; the separate downloads are gone.
    expect((await readdir(workDir)).sort()).toEqual(['captions.vtt', 'youtube-source.mp4']);
    const probe = await adapter.probe(path.join(workDir, 'youtube-source.mp4'));
    expect(probe.video?.codec).toBe('h264');
    expect(probe.audio?.codec).toBe('aac');
    expect(probe.durationSeconds).toBeGreaterThan(1.5);

    // The written en-GB track beat the automatic English one, and was asked for as WebVTT.
    const vtt = await readFile(path.join(workDir, 'captions.vtt'), 'utf8');
    expect(vtt.startsWith('WEBVTT')).toBe(true);
    expect(vtt).toContain('(en-GB)');

    // Real ytdl-core path: watch page (details, then again for formats), player script, ranged media, captions.
    expect(seen.filter((s) => s.startsWith('www.youtube.com/watch?v=VettedOk001'))).toHaveLength(2);
    expect(seen).toContain(`www.youtube.com${JS_URL}`);
    const pictureSlices = seen.filter((s) => s.includes('itag=135'));
    const soundSlices = seen.filter((s) => s.includes('itag=140'));
    expect(pictureSlices.length).toBeGreaterThan(1);
    expect(pictureSlices.every((s) => /[?&]range=\d+-\d+/.test(s) && s.includes(`n=${EXPECTED_N}`))).toBe(true);
    expect(soundSlices.every((s) => s.includes(`sig=${EXPECTED_SIG}`))).toBe(true);
    expect(seen.some((s) => s.startsWith('www.youtube.com/api/timedtext') && s.includes('lang=en-GB') && s.includes('fmt=vtt'))).toBe(true);

    expect(progress.at(-1)).toBe(100);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('refuses a video YouTube does not call family safe, or flags it when the school chose flag', async () => {
    const refused = await vettedFailure(fetchItem('VettedKid02'));
    expect(refused.code).toBe('youtube_age_restricted');
    expect(refused.transient).toBe(false);
    expect(seen.some((s) => s.includes('videoplayback'))).toBe(false);

    const { result } = await fetchItem('VettedKid02', { age: 'flag' });
    expect(result.details).toMatchObject({ familySafe: false, flags: ['not_family_safe'], captions: false });
    expect(result.captions).toBeUndefined();
  });

  it('refuses an age-gated video (YouTube wants a signed-in adult) in either mode', async () => {
    for (const age of ['refuse', 'flag'] as const) {
      const err = await vettedFailure(fetchItem('VettedAge05', { age }));
      expect(err.code).toBe('youtube_age_restricted');
      expect(err.message).toBe('YouTube marks this video as age-restricted, so it is not suitable for the classroom.');
    }
  });

  it('refuses live streams and premieres that have not started', async () => {
    for (const id of ['VettedLive3', 'VettedUpc08']) {
      const err = await vettedFailure(fetchItem(id));
      expect(err.code).toBe('youtube_live');
      expect(err.transient).toBe(false);
      expect(err.message).toMatch(/Vetted can only prepare recorded videos/);
    }
    // Judged from the watch page alone: no player script, no manifest, no media was requested.
    expect(seen.every((s) => s.startsWith('www.youtube.com/watch?'))).toBe(true);
  });

  it('reports a removed video as permanently unavailable', async () => {
    const err = await vettedFailure(fetchItem('VettedGone4'));
    expect(err.code).toBe('youtube_unavailable');
    expect(err.transient).toBe(false);
  });

  it("treats YouTube's bot check as a transient block", async () => {
    const err = await vettedFailure(fetchItem('VettedBot06'));
    expect(err.code).toBe('youtube_blocked');
    expect(err.transient).toBe(true);
  });

  it('turns a 403 on the media stream into a transient youtube_blocked with the way out', async () => {
    const err = await vettedFailure(fetchItem('Vetted403x7'));
    expect(err.code).toBe('youtube_blocked');
    expect(err.transient).toBe(true);
    expect(err.message).toBe(
      'YouTube refused to send this video to the school server (it often blocks servers). Vetted will try again later; if it keeps failing, download the video and upload the file to the playlist instead, and ask your IT person to look at the YouTube page of the admin console.',
    );
    // The download was attempted (once: retrying is the job queue's business) and left nothing behind.
    expect(seen.filter((s) => s.startsWith('rr1---sn-vetted.googlevideo.com/videoplayback?id=Vetted403x7'))).toHaveLength(1);
    const workDir = path.join(dir, `work-${workCount}`);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('still goes through the guard: without 127.0.0.1 in the allow list nothing is fetched', async () => {
    const err = await vettedFailure(fetchItem('VettedOk001', { allow: [] }));
    expect(err.code).toBe('fetch_blocked_address');
    expect(seen).toEqual([]);
  });

  it('merges WebM picture with MP4 sound into Matroska (the mergeAV the backend uses for non-MP4 pairs)', async () => {
    const ffmpeg = mediaBinaries().ffmpeg;
    const webm = await makeFixture('vp9', path.join(dir, 'vp9.webm'), { seconds: 1 });
    const picture = path.join(dir, 'vp9-picture.webm');
    await run(ffmpeg, ['-nostdin', '-loglevel', 'error', '-y', '-i', webm, '-map', '0:v', '-c', 'copy', '-f', 'webm', picture]);
    const out = path.join(dir, 'merged.mkv');
    await adapter.mergeAV!(picture, yt.files.sound, out, { format: 'matroska' });
    const probe = await adapter.probe(out);
    expect(probe.formatName).toContain('matroska');
    expect(probe.video?.codec).toBe('vp9');
    expect(probe.audio?.codec).toBe('aac');
  });

  it('stops at once when the job is stopped', async () => {
    const controller = new AbortController();
    const stop = new Error('worker shutting down');
    controller.abort(stop);
    const source = youtubeSource(backend(), { ageRestrictedPolicy: 'refuse', media: () => adapter });
    const item = { id: 'item-stopped', url: 'https://www.youtube.com/watch?v=VettedOk001' } as unknown as ItemRow;
    await expect(
      source.fetch({ item, workDir: dir, policy: policy(), signal: controller.signal, onProgress: () => {} }),
    ).rejects.toBe(stop);
    expect(seen).toEqual([]);
  });

  it('says why when the player script is missing, instead of calling the video unavailable', async () => {
    yt.addVideo('VettedNoJs9');
    yt.pages.set('VettedNoJs9', (yt.pages.get('VettedNoJs9') ?? '').replace(JS_URL, '/s/player/gone/base.js'));
    // ytdl-core logs the failure itself before giving up with "no formats"; keep the test output clean.
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    const err = await vettedFailure(fetchItem('VettedNoJs9')).finally(() => quiet.mockRestore());
    expect(err.code).toBe('youtube_failed');
    expect(err.transient).toBe(true);
    expect(seen).toContain('www.youtube.com/s/player/gone/base.js');
  });
});
