/**
 * The built-in YouTube backend end to end, offline: the real @distube/ytdl-core code runs against a local HTTPS
 * server standing in for www.youtube.com and *.googlevideo.com.
 *
 * How the stand-in was made:
 * - test/fixtures/youtube/player-*.json are hand-written, minimal `ytInitialPlayerResponse` objects with only the
 *   fields ytdl-core 4.16 and our mapping read (playabilityStatus, videoDetails, microformat.playerMicroformatRenderer,
 *   captions.playerCaptionsTracklistRenderer.captionTracks, streamingData with real itags and direct googlevideo URLs;
 *   the sound format uses a signatureCipher so the decipher path runs too). The server wraps each in the smallest
 *   watch page ytdl-core parses: `ytcfg.set({"jsUrl": ...})` for the player script, then
 *   `var ytInitialPlayerResponse = {...};` and `var ytInitialData = {};`.
 * - ytdl-core's getInfo fetches the player script (base.js) to decipher signatures and transform the `n` parameter;
 *   fixtures/youtube/base.js is a tiny stand-in with functions in the shapes ytdl-core's regexes look for. The fake
 *   googlevideo answers 403 unless `n` and `sig` were transformed as that script says, which proves the real
 *   decipher path ran.
 * - Media is a real 2-second H.264/AAC MP4 made with ffmpeg at test time (test/helpers/fixtures-media.ts), split into
 *   picture-only and sound-only files for the adaptive formats; contentLength is filled in from their real sizes.
 * - The guarded fetcher's test hooks resolve every name to 127.0.0.1 and trust a throw-away CA (made with openssl,
 *   with names www.youtube.com and *.googlevideo.com); the backend's rewriteUrl hook moves YouTube's port-less URLs
 *   onto the server's port. The policy allows 127.0.0.1 only, so everything still passes the SSRF checks.
 */
import { execFile, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ItemRow } from '../../src/db/schema.js';
import { VettedError } from '../../src/domain/errors.js';
import { createMediaAdapter, type MediaAdapter } from '../../src/media/ffmpeg.js';
import { policyFromConfig, type FetchPolicy } from '../../src/net/fetcher.js';
import type { FetchedVideo } from '../../src/sources/types.js';
import { youtubeSource, type AgeRestrictedPolicy } from '../../src/sources/youtube/index.js';
import { createYtdlBackend } from '../../src/sources/youtube/ytdl-backend.js';
import { makeFixture, mediaBinaries } from '../helpers/fixtures-media.js';

vi.setConfig({ testTimeout: 15_000, hookTimeout: 30_000 });

const run = promisify(execFile);
const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'youtube');
const dir = mkdtempSync(path.join(os.tmpdir(), 'vetted-youtube-'));

/** A throw-away certificate for YouTube's names, made with openssl like test/integration/net-fetcher.test.ts. */
function makeCert(): { key: string; cert: string } {
  const base = path.join(dir, 'tls');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=www.youtube.com',
      '-addext', 'subjectAltName=DNS:www.youtube.com,DNS:youtube.com,DNS:*.googlevideo.com',
      '-keyout', `${base}.key`, '-out', `${base}.crt`],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(`${base}.key`, 'utf8'), cert: readFileSync(`${base}.crt`, 'utf8') };
}

const JS_URL = '/s/player/vetted01/player_ias.vflset/en_US/base.js';
/** What fixtures/youtube/base.js makes of the fixture's `n=abc` and `s=GIS-DETTEV_`. */
const EXPECTED_N = 'cba';
const EXPECTED_SIG = 'VETTED-SIG';

interface Media {
  bytes: Buffer;
  type: string;
}

const pem = makeCert();
const pages = new Map<string, string>();
const media = new Map<string, Media>();
const refusedMedia = new Set<string>();
const seen: string[] = [];
let server: https.Server;
let port = 0;
let adapter: MediaAdapter;

function watchPage(playerResponse: unknown): string {
  return (
    '<!DOCTYPE html><html><head><title>YouTube</title>' +
    `<script>ytcfg.set({"jsUrl":"${JS_URL}"});</script></head><body>` +
    `<script>var ytInitialPlayerResponse = ${JSON.stringify(playerResponse)};</script>` +
    '<script>var ytInitialData = {};</script></body></html>'
  );
}

function fixtureJson(name: string, id?: string): Record<string, unknown> {
  let text = readFileSync(path.join(fixtures, name), 'utf8');
  if (id) text = text.replaceAll('VettedOk001', id);
  return JSON.parse(text) as Record<string, unknown>;
}

type FormatJson = { itag: number; contentLength?: string; url?: string };

/** The "ok" fixture under another id, with real sizes filled in, optionally changed by `edit`. */
function okVideo(id: string, edit: (pr: Record<string, any>) => void = () => {}): void {
  const pr = fixtureJson('player-ok.json', id) as Record<string, any>;
  for (const f of [...(pr.streamingData.formats as FormatJson[]), ...(pr.streamingData.adaptiveFormats as FormatJson[])]) {
    f.contentLength = String(media.get(String(f.itag))?.bytes.length ?? 0);
  }
  edit(pr);
  pages.set(id, watchPage(pr));
}

function respond(req: IncomingMessage, res: ServerResponse): void {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  const url = new URL(req.url ?? '/', `https://${host}`);
  seen.push(`${host}${url.pathname}${url.search}`);
  const send = (status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  if (host === 'www.youtube.com') {
    if (url.pathname === '/watch') {
      const page = pages.get(url.searchParams.get('v') ?? '');
      return page ? send(200, 'text/html; charset=utf-8', page) : send(404, 'text/html', '<html>404</html>');
    }
    if (url.pathname === JS_URL) return send(200, 'text/javascript', readFileSync(path.join(fixtures, 'base.js')));
    if (url.pathname === '/api/timedtext') {
      // YouTube's default caption format is XML; only fmt=vtt gives WebVTT.
      if (url.searchParams.get('fmt') !== 'vtt') return send(200, 'text/xml', '<?xml version="1.0"?><transcript/>');
      const body = readFileSync(path.join(fixtures, 'captions.vtt'), 'utf8').replace('One duck', `One duck (${url.searchParams.get('lang')})`);
      return send(200, 'text/vtt', body);
    }
    return send(404, 'text/html', '<html>404</html>');
  }

  if (host.endsWith('.googlevideo.com') && url.pathname === '/videoplayback') {
    const itag = url.searchParams.get('itag') ?? '';
    const file = media.get(itag);
    const signed = itag !== '140' || url.searchParams.get('sig') === EXPECTED_SIG;
    if (!file || refusedMedia.has(url.searchParams.get('id') ?? '') || url.searchParams.get('n') !== EXPECTED_N || !signed) {
      return send(403, 'text/plain', 'Forbidden');
    }
    const range = /^(\d+)-(\d+)$/.exec(url.searchParams.get('range') ?? '');
    const body = range ? file.bytes.subarray(Number(range[1]), Number(range[2]) + 1) : file.bytes;
    return send(200, file.type, body);
  }
  send(404, 'text/plain', 'no such host here');
}

beforeAll(async () => {
  const whole = await makeFixture('h264', path.join(dir, 'whole.mp4'), { seconds: 2 });
  const ffmpeg = mediaBinaries().ffmpeg;
  const split = async (map: string, out: string) => {
    await run(ffmpeg, ['-nostdin', '-loglevel', 'error', '-y', '-i', whole, '-map', map, '-c', 'copy', '-f', 'mp4', out]);
    return readFile(out);
  };
  media.set('18', { bytes: await readFile(whole), type: 'video/mp4' });
  media.set('135', { bytes: await split('0:v', path.join(dir, 'picture.mp4')), type: 'video/mp4' });
  media.set('140', { bytes: await split('0:a', path.join(dir, 'sound.m4a')), type: 'audio/mp4' });

  okVideo('VettedOk001');
  okVideo('VettedKid02', (pr) => {
    pr.microformat.playerMicroformatRenderer.isFamilySafe = false;
    delete pr.captions;
  });
  okVideo('Vetted403x7', (pr) => {
    // Progressive only, so the one refused request is the whole download.
    pr.streamingData.adaptiveFormats = [];
  });
  refusedMedia.add('Vetted403x7');
  pages.set('VettedLive3', watchPage(fixtureJson('player-live.json')));
  pages.set('VettedUpc08', watchPage(fixtureJson('player-upcoming.json')));
  pages.set('VettedGone4', watchPage(fixtureJson('player-unavailable.json')));
  pages.set('VettedAge05', watchPage(fixtureJson('player-age-restricted.json')));
  pages.set('VettedBot06', watchPage(fixtureJson('player-bot-check.json')));

  server = https.createServer({ key: pem.key, cert: pem.cert }, respond);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as { port: number }).port;

  const bins = mediaBinaries();
  adapter = createMediaAdapter({ ffmpegPath: bins.ffmpeg, ffprobePath: bins.ffprobe, timeoutMs: 30_000 });
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  seen.length = 0;
});

function policy(allow = ['127.0.0.1/32']): FetchPolicy {
  return policyFromConfig({ fetchAllowPrivate: allow, maxDownloadBytes: 50 * 1024 * 1024, connectTimeoutMs: 2_000, idleTimeoutMs: 5_000 });
}

function backend() {
  return createYtdlBackend({
    // Small slices, so the test media (tens of KB) is fetched in several ranged requests.
    chunkBytes: 16 * 1024,
    testHooks: {
      net: { resolve: async () => [{ address: '127.0.0.1', family: 4 as const }], ca: pem.cert },
      rewriteUrl: (u) => {
        u.port = String(port);
        return u;
      },
    },
  });
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

async function failure(work: Promise<unknown>): Promise<VettedError> {
  try {
    await work;
  } catch (e) {
    if (e instanceof VettedError) return e;
    throw e;
  }
  throw new Error('expected the fetch to fail');
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
    const refused = await failure(fetchItem('VettedKid02'));
    expect(refused.code).toBe('youtube_age_restricted');
    expect(refused.transient).toBe(false);
    expect(seen.some((s) => s.includes('videoplayback'))).toBe(false);

    const { result } = await fetchItem('VettedKid02', { age: 'flag' });
    expect(result.details).toMatchObject({ familySafe: false, flags: ['not_family_safe'], captions: false });
    expect(result.captions).toBeUndefined();
  });

  it('refuses an age-gated video (YouTube wants a signed-in adult) in either mode', async () => {
    for (const age of ['refuse', 'flag'] as const) {
      const err = await failure(fetchItem('VettedAge05', { age }));
      expect(err.code).toBe('youtube_age_restricted');
      expect(err.message).toBe('YouTube marks this video as age-restricted, so it is not suitable for the classroom.');
    }
  });

  it('refuses live streams and premieres that have not started', async () => {
    for (const id of ['VettedLive3', 'VettedUpc08']) {
      const err = await failure(fetchItem(id));
      expect(err.code).toBe('youtube_live');
      expect(err.transient).toBe(false);
      expect(err.message).toMatch(/Vetted can only prepare recorded videos/);
    }
    // Judged from the watch page alone: no player script, no manifest, no media was requested.
    expect(seen.every((s) => s.startsWith('www.youtube.com/watch?'))).toBe(true);
  });

  it('reports a removed video as permanently unavailable', async () => {
    const err = await failure(fetchItem('VettedGone4'));
    expect(err.code).toBe('youtube_unavailable');
    expect(err.transient).toBe(false);
  });

  it("treats YouTube's bot check as a transient block", async () => {
    const err = await failure(fetchItem('VettedBot06'));
    expect(err.code).toBe('youtube_blocked');
    expect(err.transient).toBe(true);
  });

  it('turns a 403 on the media stream into a transient youtube_blocked with the way out', async () => {
    const err = await failure(fetchItem('Vetted403x7'));
    expect(err.code).toBe('youtube_blocked');
    expect(err.transient).toBe(true);
    expect(err.message).toBe(
      'YouTube refused the download (it often blocks servers). Try again later, ask your IT person to switch the YouTube downloader to yt-dlp, or download the video and upload the file instead.',
    );
    // The download was attempted (once: retrying is the job queue's business) and left nothing behind.
    expect(seen.filter((s) => s.startsWith('rr1---sn-vetted.googlevideo.com/videoplayback?id=Vetted403x7'))).toHaveLength(1);
    const workDir = path.join(dir, `work-${workCount}`);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('still goes through the guard: without 127.0.0.1 in the allow list nothing is fetched', async () => {
    const err = await failure(fetchItem('VettedOk001', { allow: [] }));
    expect(err.code).toBe('fetch_blocked_address');
    expect(seen).toEqual([]);
  });

  it('merges WebM picture with MP4 sound into Matroska (the mergeAV the backend uses for non-MP4 pairs)', async () => {
    const ffmpeg = mediaBinaries().ffmpeg;
    const webm = await makeFixture('vp9', path.join(dir, 'vp9.webm'), { seconds: 1 });
    const picture = path.join(dir, 'vp9-picture.webm');
    await run(ffmpeg, ['-nostdin', '-loglevel', 'error', '-y', '-i', webm, '-map', '0:v', '-c', 'copy', '-f', 'webm', picture]);
    const out = path.join(dir, 'merged.mkv');
    await adapter.mergeAV!(picture, path.join(dir, 'sound.m4a'), out, { format: 'matroska' });
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
    okVideo('VettedNoJs9', (pr) => void pr);
    pages.set('VettedNoJs9', (pages.get('VettedNoJs9') ?? '').replace(JS_URL, '/s/player/gone/base.js'));
    // ytdl-core logs the failure itself before giving up with "no formats"; keep the test output clean.
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    const err = await failure(fetchItem('VettedNoJs9')).finally(() => quiet.mockRestore());
    expect(err.code).toBe('youtube_failed');
    expect(err.transient).toBe(true);
    expect(seen).toContain('www.youtube.com/s/player/gone/base.js');
  });
});
