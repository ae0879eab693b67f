/**
 * The real yt-dlp (Debian's package: old, but the same program) driven end to end through Vetted's loopback proxy,
 * against fixture sites on 127.0.0.1 with its generic extractor (no YouTube, no internet). What it shows:
 * - a download goes through the proxy with a run ticket, and the source gets the file and its progress;
 * - a redirect to somewhere the proxy refuses (a port, a loopback address outside FETCH_ALLOW_PRIVATE, a name that
 *   resolves to a private address) ends as the teacher's error, and the refused place is never connected to;
 * - a connection without a ticket is refused; a stalled site is cut off at the time limit; a stopped job kills it.
 * The "private" name resolves through a test resolver to 10.255.255.1, which the proxy refuses before any connect.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ItemRow } from '../../src/db/schema.js';
import type { MediaAdapter } from '../../src/media/ffmpeg.js';
import { parseAllowList } from '../../src/net/address.js';
import { policyFromConfig } from '../../src/net/fetcher.js';
import { findOnPath } from '../../src/media/binaries.js';
import type { FetchedVideo } from '../../src/sources/types.js';
import { chooseVideoSite, youtubeSource } from '../../src/sources/youtube/index.js';
import { createYtdlpBackend } from '../../src/sources/youtube/ytdlp-backend.js';
import { ytdlpSetup, type YtdlpSetup } from '../../src/sources/youtube/ytdlp-setup.js';
import { makeFixture } from '../helpers/fixtures-media.js';
import { serveFile, startFixtureServer } from '../helpers/fixture-server.js';
import { vettedFailure } from '../helpers/errors.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

const ytdlp = findOnPath('yt-dlp');
if (!ytdlp) throw new Error("This test needs Debian's yt-dlp package (apt-get install yt-dlp); .ci/run installs it.");

const dir = mkdtempSync(path.join(os.tmpdir(), 'vetted-ytdlp-proxy-'));
let site: Awaited<ReturnType<typeof startFixtureServer>>;
let other: Awaited<ReturnType<typeof startFixtureServer>>;
let setup: YtdlpSetup;
const stalled = new Set<http.ServerResponse>();

beforeAll(async () => {
  const video = await makeFixture('h264', path.join(dir, 'video.mp4'), { seconds: 2 });
  other = await startFixtureServer({ '/x.mp4': serveFile(video) });
  site = await startFixtureServer({
    '/VettedOk001.mp4': serveFile(video),
    // Not on the allowed port.
    '/VettedPort1.mp4': (_req, res) => res.writeHead(302, { location: other.url('/x.mp4') }).end(),
    // A loopback address outside FETCH_ALLOW_PRIVATE (nothing listens there; the proxy never tries).
    '/VettedLoop2.mp4': (_req, res) => res.writeHead(302, { location: `http://127.0.0.2:${site.port}/VettedOk001.mp4` }).end(),
    // A name that resolves to a private address.
    '/VettedPriv3.mp4': (_req, res) => res.writeHead(302, { location: `http://private.vetted.test:${site.port}/VettedOk001.mp4` }).end(),
    // A name that does not resolve: as when the server has no internet connection.
    '/VettedOffl5.mp4': (_req, res) => res.writeHead(302, { location: `http://offline.vetted.test:${site.port}/VettedOk001.mp4` }).end(),
    // Headers, a little data, then nothing.
    '/VettedSlow4.mp4': (_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': 10_000_000 });
      res.write(Buffer.alloc(1000));
      stalled.add(res);
    },
  });
  setup = ytdlpSetup({
    proxy: {
      allow: parseAllowList(['127.0.0.1']),
      // Tests only: the fixture's host and port instead of YouTube's.
      hosts: ['127.0.0.1', '127.0.0.2', 'private.vetted.test', 'offline.vetted.test'],
      ports: [site.port],
      connectTimeoutMs: 2_000,
      idleTimeoutMs: 10_000,
      resolve: async (host) => (host === 'private.vetted.test' ? [{ address: '10.255.255.1', family: 4 }] : []),
    },
    testTarget: { extractors: 'generic', url: (id) => site.url(`/${id}.mp4`) },
  });
});

afterAll(async () => {
  for (const res of stalled) res.destroy();
  await setup?.close();
  await site?.close();
  await other?.close();
  rmSync(dir, { recursive: true, force: true });
});

const policy = policyFromConfig({ fetchAllowPrivate: [], maxDownloadBytes: 50 * 1024 * 1024, connectTimeoutMs: 2_000, idleTimeoutMs: 30_000 });
const noMedia = (): MediaAdapter => {
  throw new Error('yt-dlp merges by itself');
};

/** Processes whose command line mentions `text` (from /proc: yt-dlp gets the URL as an argument). */
function running(text: string): string[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    });
}

let n = 0;
async function fetchWith(id: string, opts: { downloadTimeoutMs?: number; signal?: AbortSignal } = {}) {
  const workDir = path.join(dir, `work-${++n}`);
  await mkdir(workDir, { recursive: true });
  const progress: number[] = [];
  const backend = createYtdlpBackend({ binary: ytdlp!, prepare: setup.prepare, ...(opts.downloadTimeoutMs ? { downloadTimeoutMs: opts.downloadTimeoutMs, detailsTimeoutMs: opts.downloadTimeoutMs } : {}) });
  const source = youtubeSource(backend, { ageRestrictedPolicy: 'refuse', media: noMedia });
  const item = { id: `item-${n}`, url: `https://www.youtube.com/watch?v=${id}` } as unknown as ItemRow;
  const result = (await source.fetch({ item, workDir, policy, signal: opts.signal ?? new AbortController().signal, onProgress: (p) => progress.push(p) })) as FetchedVideo;
  return { result, workDir, progress };
}

describe("Debian's yt-dlp through Vetted's proxy", () => {
  it('downloads a video through the proxy, with progress', async () => {
    const before = site.hits.get('/VettedOk001.mp4') ?? 0;
    const { result, workDir, progress } = await fetchWith('VettedOk001');
    expect(result).toMatchObject({ type: 'video', file: 'ytdlp-source.mp4', details: { backend: 'yt-dlp', youtubeId: 'VettedOk001' } });
    expect(await readdir(workDir)).toContain('ytdlp-source.mp4');
    const probe = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path.join(workDir, 'ytdlp-source.mp4')]).toString();
    expect(Number(probe)).toBeGreaterThan(1.5);
    expect(progress.at(-1)).toBe(100);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.length).toBeGreaterThan(2);
    expect((site.hits.get('/VettedOk001.mp4') ?? 0) - before).toBeGreaterThanOrEqual(2);
  });

  it('refuses a redirect to a port that is not allowed, without connecting to it', async () => {
    const err = await vettedFailure(fetchWith('VettedPort1'));
    expect(err.code).toBe('fetch_blocked_address');
    expect(String((err.cause as Error).message)).toMatch(/port/);
    expect(other.hits.get('/x.mp4')).toBeUndefined();
  });

  it('refuses a redirect to a loopback address outside FETCH_ALLOW_PRIVATE', async () => {
    const err = await vettedFailure(fetchWith('VettedLoop2'));
    expect(err.code).toBe('fetch_blocked_address');
    expect(String((err.cause as Error).message)).toMatch(/127\.0\.0\.2/);
  });

  it('refuses a redirect to a name that resolves to a private address', async () => {
    const err = await vettedFailure(fetchWith('VettedPriv3'));
    expect(err.code).toBe('fetch_blocked_address');
    expect(String((err.cause as Error).message)).toMatch(/10\.255\.255\.1/);
  });

  it('says the server cannot reach YouTube when a name does not resolve (not "check for typos")', async () => {
    const err = await vettedFailure(fetchWith('VettedOffl5'));
    expect(err.code).toBe('youtube_offline');
    expect(err.transient).toBe(true);
    expect(err.message).toMatch(/cannot reach YouTube/);
  });

  it('cuts off a stalled site at the time limit and kills yt-dlp', async () => {
    const started = Date.now();
    const err = await vettedFailure(fetchWith('VettedSlow4', { downloadTimeoutMs: 4_000 }));
    expect(err.code).toBe('fetch_timeout');
    expect(Date.now() - started).toBeLessThan(15_000);
    // Nothing of that run is left.
    expect(running(`${site.port}/VettedSlow4`)).toEqual([]);
  });

  it('stops when the job is stopped', async () => {
    const controller = new AbortController();
    const stop = new Error('worker shutting down');
    setTimeout(() => controller.abort(stop), 2_500);
    await expect(fetchWith('VettedSlow4', { signal: controller.signal })).rejects.toBe(stop);
    await expect.poll(() => running(`${site.port}/VettedSlow4`), { timeout: 3_000 }).toEqual([]);
  });

  it('refuses a connection that has no run ticket', async () => {
    const ticket = (await setup.prepare(ytdlp!)).settings.proxy!;
    const port = Number(new URL(ticket).port);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'GET', path: site.url('/VettedOk001.mp4') }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(407);
  });

  it('is what the pipeline gets by default', () => {
    expect(chooseVideoSite({ ytdlpPath: ytdlp!, setup }).name).toBe('yt-dlp');
  });
});
