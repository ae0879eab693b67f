/**
 * A stand-in for www.youtube.com and *.googlevideo.com on a local HTTPS server, so the real @distube/ytdl-core code
 * (the built-in YouTube backend) runs end to end offline. Used by test/integration/youtube-ytdl.test.ts (the backend
 * on its own) and test/integration/youtube-pipeline.test.ts (the backend inside the API + workers).
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
 * - Media is a real H.264/AAC MP4 (2 seconds by default) made with ffmpeg at start-up (test/helpers/fixtures-media.ts),
 *   split into picture-only and sound-only files for the adaptive formats; contentLength is filled in from their real
 *   sizes.
 * - The guarded fetcher's test hooks resolve every name to 127.0.0.1 and trust a throw-away CA (made with openssl,
 *   with names www.youtube.com and *.googlevideo.com); the backend's rewriteUrl hook moves YouTube's port-less URLs
 *   onto the server's port. A policy that allows 127.0.0.1 only is enough, so everything still passes the SSRF checks.
 */
import { execFile, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { VideoSite } from '../../src/sources/youtube/video-site.js';
import { createYtdlBackend } from '../../src/sources/youtube/ytdl-backend.js';
import { makeFixture, mediaBinaries } from './fixtures-media.js';

const run = promisify(execFile);

export const YOUTUBE_FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'youtube');

export const JS_URL = '/s/player/vetted01/player_ias.vflset/en_US/base.js';
/** What fixtures/youtube/base.js makes of the fixture's `n=abc` and `s=GIS-DETTEV_`. */
export const EXPECTED_N = 'cba';
export const EXPECTED_SIG = 'VETTED-SIG';
/** The id the "ok" fixture is written for; registering it under another id replaces it throughout. */
export const OK_FIXTURE_ID = 'VettedOk001';

/** Player responses are loosely typed JSON; fixtures are edited freely in tests. */
export type PlayerResponse = Record<string, any>;

export interface FakeMedia {
  bytes: Buffer;
  type: string;
}

export interface AddVideoOptions {
  /** File name in test/fixtures/youtube; default 'player-ok.json'. */
  fixture?: string;
  /** Changes the player response before it is served (e.g. drop captions, mark not family safe). */
  edit?: (pr: PlayerResponse) => void;
  /** Make the fake googlevideo answer 403 to every media request for this video. */
  refuseMedia?: boolean;
}

export interface FakeYouTube {
  /** The server's port on 127.0.0.1; YouTube's port-less URLs are moved onto it. */
  readonly port: number;
  /** PEM of the throw-away certificate (also the CA to trust). */
  readonly cert: string;
  /** Scratch folder of this stand-in (certificate, media); removed by close(). */
  readonly dir: string;
  /** The media the fake googlevideo serves, by itag (18 progressive, 135 picture, 140 sound). */
  readonly media: ReadonlyMap<string, FakeMedia>;
  /** Paths of the media files: the whole MP4, the picture-only MP4 and the sound-only M4A. */
  readonly files: { whole: string; picture: string; sound: string };
  /** Every request as `host/path?query`, in order. Clear with `seen.length = 0`. */
  readonly seen: string[];
  /** Watch pages by video id; set one directly to serve a hand-made page. */
  readonly pages: Map<string, string>;
  /** Registers a canned video under `id` from a fixture (see AddVideoOptions). */
  addVideo(id: string, opts?: AddVideoOptions): PlayerResponse;
  /** From now on, media requests for video `id` are refused with 403. */
  refuseMedia(id: string): void;
  /** The built-in ytdl-core backend, wired to this server. */
  videoSite(opts?: { chunkBytes?: number }): VideoSite;
  close(): Promise<void>;
}

/** The smallest watch page ytdl-core parses. */
export function watchPage(playerResponse: unknown): string {
  return (
    '<!DOCTYPE html><html><head><title>YouTube</title>' +
    `<script>ytcfg.set({"jsUrl":"${JS_URL}"});</script></head><body>` +
    `<script>var ytInitialPlayerResponse = ${JSON.stringify(playerResponse)};</script>` +
    '<script>var ytInitialData = {};</script></body></html>'
  );
}

/** A fixture's player response; with `id`, every mention of the fixture's own video id becomes `id`. */
export function fixtureJson(name: string, id?: string): PlayerResponse {
  const text = readFileSync(path.join(YOUTUBE_FIXTURES, name), 'utf8');
  const parsed = JSON.parse(text) as PlayerResponse;
  const own = (parsed.videoDetails?.videoId as string | undefined) ?? OK_FIXTURE_ID;
  return id && id !== own ? (JSON.parse(text.replaceAll(own, id)) as PlayerResponse) : parsed;
}

/** A throw-away certificate for YouTube's names, made with openssl like test/integration/net-fetcher.test.ts. */
function makeCert(dir: string): { key: string; cert: string } {
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

type FormatJson = { itag: number; contentLength?: string };

/**
 * Starts the stand-in: makes the certificate and the media (`seconds` long, default 2, matching the "ok" fixture's
 * lengthSeconds), then listens on a free port of 127.0.0.1. No videos are registered; use addVideo.
 */
export async function startFakeYouTube(opts: { seconds?: number } = {}): Promise<FakeYouTube> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vetted-fake-youtube-'));
  const pem = makeCert(dir);
  const pages = new Map<string, string>();
  const media = new Map<string, FakeMedia>();
  const refused = new Set<string>();
  const seen: string[] = [];

  const whole = await makeFixture('h264', path.join(dir, 'whole.mp4'), { seconds: opts.seconds ?? 2 });
  const ffmpeg = mediaBinaries().ffmpeg;
  const split = async (map: string, out: string) => {
    await run(ffmpeg, ['-nostdin', '-loglevel', 'error', '-y', '-i', whole, '-map', map, '-c', 'copy', '-f', 'mp4', out]);
    return out;
  };
  const files = {
    whole,
    picture: await split('0:v', path.join(dir, 'picture.mp4')),
    sound: await split('0:a', path.join(dir, 'sound.m4a')),
  };
  media.set('18', { bytes: await readFile(files.whole), type: 'video/mp4' });
  media.set('135', { bytes: await readFile(files.picture), type: 'video/mp4' });
  media.set('140', { bytes: await readFile(files.sound), type: 'audio/mp4' });
  const baseJs = readFileSync(path.join(YOUTUBE_FIXTURES, 'base.js'));
  const captions = readFileSync(path.join(YOUTUBE_FIXTURES, 'captions.vtt'), 'utf8');

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
      if (url.pathname === JS_URL) return send(200, 'text/javascript', baseJs);
      if (url.pathname === '/api/timedtext') {
        // YouTube's default caption format is XML; only fmt=vtt gives WebVTT.
        if (url.searchParams.get('fmt') !== 'vtt') return send(200, 'text/xml', '<?xml version="1.0"?><transcript/>');
        return send(200, 'text/vtt', captions.replace('One duck', `One duck (${url.searchParams.get('lang')})`));
      }
      return send(404, 'text/html', '<html>404</html>');
    }

    if (host.endsWith('.googlevideo.com') && url.pathname === '/videoplayback') {
      const itag = url.searchParams.get('itag') ?? '';
      const file = media.get(itag);
      const signed = itag !== '140' || url.searchParams.get('sig') === EXPECTED_SIG;
      if (!file || refused.has(url.searchParams.get('id') ?? '') || url.searchParams.get('n') !== EXPECTED_N || !signed) {
        return send(403, 'text/plain', 'Forbidden');
      }
      const range = /^(\d+)-(\d+)$/.exec(url.searchParams.get('range') ?? '');
      const body = range ? file.bytes.subarray(Number(range[1]), Number(range[2]) + 1) : file.bytes;
      return send(200, file.type, body);
    }
    send(404, 'text/plain', 'no such host here');
  }

  const server = https.createServer({ key: pem.key, cert: pem.cert }, respond);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;

  return {
    port,
    cert: pem.cert,
    dir,
    media,
    files,
    seen,
    pages,
    addVideo(id, o = {}) {
      const pr = fixtureJson(o.fixture ?? 'player-ok.json', id);
      const sd = pr.streamingData as { formats?: FormatJson[]; adaptiveFormats?: FormatJson[] } | undefined;
      for (const f of [...(sd?.formats ?? []), ...(sd?.adaptiveFormats ?? [])]) {
        const m = media.get(String(f.itag));
        if (m) f.contentLength = String(m.bytes.length);
      }
      o.edit?.(pr);
      pages.set(id, watchPage(pr));
      if (o.refuseMedia) refused.add(id);
      return pr;
    },
    refuseMedia(id) {
      refused.add(id);
    },
    videoSite(v = {}) {
      return createYtdlBackend({
        ...(v.chunkBytes !== undefined ? { chunkBytes: v.chunkBytes } : {}),
        testHooks: {
          net: { resolve: async () => [{ address: '127.0.0.1', family: 4 as const }], ca: pem.cert },
          rewriteUrl: (u) => {
            u.port = String(port);
            return u;
          },
        },
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
