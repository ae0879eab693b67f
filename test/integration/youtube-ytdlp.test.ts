/**
 * The yt-dlp backend's process handling, with a fake `yt-dlp`: a small sh script written into a temp folder that
 * logs its arguments, prints the canned `-J` output (test/fixtures/youtube/ytdlp-info.json), or "downloads" by
 * copying a 2-second MP4 made with ffmpeg and writing caption files the way yt-dlp names them. It also fails with
 * yt-dlp's wording for one id and hangs for another, to test error mapping and the kill on timeout.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ItemRow } from '../../src/db/schema.js';
import type { MediaAdapter } from '../../src/media/ffmpeg.js';
import { policyFromConfig } from '../../src/net/fetcher.js';
import type { FetchedVideo } from '../../src/sources/types.js';
import { ageRestrictedPolicyFrom, chooseVideoSite, youtubeSource } from '../../src/sources/youtube/index.js';
import { createYtdlpBackend, findYtdlp } from '../../src/sources/youtube/ytdlp-backend.js';
import type { YtdlpWarning } from '../../src/sources/youtube/messages.js';
import { ytdlpSetup } from '../../src/sources/youtube/ytdlp-setup.js';
import { makeFixture } from '../helpers/fixtures-media.js';
import { vettedFailure } from '../helpers/errors.js';

vi.setConfig({ testTimeout: 10_000, hookTimeout: 30_000 });

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'youtube');
const dir = mkdtempSync(path.join(os.tmpdir(), 'vetted-ytdlp-'));
const fake = path.join(dir, 'yt-dlp');
const argsLog = path.join(dir, 'args.log');

function sh(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

beforeAll(async () => {
  const video = await makeFixture('h264', path.join(dir, 'video.mp4'), { seconds: 2 });
  writeFileSync(
    fake,
    [
      '#!/bin/sh',
      // What a current yt-dlp answers when Vetted asks what it can do.
      'case "$*" in *--version*) echo 2026.11.20; exit 0 ;; *--help*) echo "--js-runtimes --no-js-runtimes --no-remote-components --no-plugin-dirs"; exit 0 ;; esac',
      `printf '%s\\n' "$@" > ${sh(argsLog)}`,
      'dir=""; json=0; prev=""; url=""; cookies=""',
      'for a in "$@"; do',
      '  [ "$prev" = "--paths" ] && dir="$a"',
      '  [ "$prev" = "--cookies" ] && cookies="$a"',
      '  [ "$a" = "-J" ] && json=1',
      '  prev="$a"; url="$a"',
      'done',
      'id="${url##*v=}"',
      `[ -n "$cookies" ] && cp "$cookies" ${sh(path.join(dir, 'cookies-seen.txt'))}`,
      'case "$id" in',
      '  VettedGone4) echo "ERROR: [youtube] VettedGone4: Video unavailable. This video has been removed by the uploader" >&2; exit 1 ;;',
      // Not `exec`: the shell stays the parent, so only a kill of the whole process group ends the sleep.
      '  VettedSlow9) sleep 30; exit 0 ;;',
      '  VettedWarn1) echo "WARNING: [youtube] VettedWarn1: There are missing subtitles languages because a PO token was not provided." >&2 ;;',
      'esac',
      `if [ "$json" = 1 ]; then cat ${sh(path.join(fixtures, 'ytdlp-info.json'))}; exit 0; fi`,
      // yt-dlp skips a file over --max-filesize, says so on stdout only, and exits 0.
      '[ "$id" = VettedHuge0 ] && { echo "[download] File is larger than max-filesize (99999999 bytes > 100 bytes). Aborting."; exit 0; }',
      'echo "[info] Writing video subtitles to: $dir/ytdlp-source.en-GB.vtt"',
      'echo "[download] Destination: $dir/ytdlp-source.en-GB.vtt"',
      `cp ${sh(path.join(fixtures, 'captions.vtt'))} "$dir/ytdlp-source.en-GB.vtt"`,
      'echo "[download] 100% of 1.00KiB in 00:00:00 at 10.00KiB/s"',
      'printf "WEBVTT\\n\\n00:00.000 --> 00:01.000\\nUn canard.\\n" > "$dir/ytdlp-source.fr.vtt"',
      'echo "[download] Destination: $dir/ytdlp-source.f135.mp4"',
      'echo "[download]  50.0% of   10.00KiB at  1.00MiB/s ETA 00:00"',
      'echo "[download] 100% of   10.00KiB in 00:00:00 at 1.00MiB/s"',
      'echo "[download] Destination: $dir/ytdlp-source.f140.m4a"',
      'echo "[download] 100% of    5.00KiB in 00:00:00 at 1.00MiB/s"',
      'echo "[Merger] Merging formats into \\"$dir/ytdlp-source.mp4\\""',
      `cp ${sh(video)} "$dir/ytdlp-source.mp4"`,
      'exit 0',
      '',
    ].join('\n'),
  );
  chmodSync(fake, 0o755);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const policy = policyFromConfig({ fetchAllowPrivate: [], maxDownloadBytes: 50 * 1024 * 1024, connectTimeoutMs: 2_000, idleTimeoutMs: 30_000 });
// yt-dlp merges by itself; the source must not need the media adapter for this backend.
const noMedia = (): MediaAdapter => {
  throw new Error('not needed');
};

let n = 0;
async function fetchWith(id: string, site = createYtdlpBackend({ binary: fake, ffmpegLocation: '/opt/ffmpeg/bin/ffmpeg' }), signal = new AbortController().signal) {
  const workDir = path.join(dir, `work-${++n}`);
  await mkdir(workDir, { recursive: true });
  const progress: number[] = [];
  const source = youtubeSource(site, { ageRestrictedPolicy: 'refuse', media: noMedia });
  const item = { id: `item-${n}`, url: `https://youtu.be/${id}` } as unknown as ItemRow;
  const result = (await source.fetch({ item, workDir, policy, signal, onProgress: (p) => progress.push(p) })) as FetchedVideo;
  return { result, workDir, progress };
}


describe('yt-dlp backend with a fake yt-dlp', () => {
  it('reads details, downloads, keeps the English captions under our name and tidies up', async () => {
    const { result, workDir, progress } = await fetchWith('VettedOk001');
    expect(result).toMatchObject({
      type: 'video',
      file: 'ytdlp-source.mp4',
      captions: 'captions.vtt',
      title: 'Counting ducks',
      details: { source: 'youtube', backend: 'yt-dlp', youtubeId: 'VettedOk001', licence: expect.stringContaining('Creative Commons'), captions: true, flags: [] },
    });
    expect((await readdir(workDir)).sort()).toEqual(['captions.vtt', 'ytdlp-source.mp4']);
    expect(await readFile(path.join(workDir, 'captions.vtt'), 'utf8')).toMatch(/^WEBVTT/);

    // The download run's arguments, exactly as the program saw them (one per line: no shell split anything).
    const args = readFileSync(argsLog, 'utf8').trimEnd().split('\n');
    expect(args).not.toContain('-J');
    expect(args[args.indexOf('--paths') + 1]).toBe(workDir);
    expect(args[args.indexOf('--ffmpeg-location') + 1]).toBe('/opt/ffmpeg/bin/ffmpeg');
    expect(args[args.indexOf('--ies') + 1]).toBe('youtube');
    expect(args.slice(-2)).toEqual(['--', 'https://www.youtube.com/watch?v=VettedOk001']);
    expect(args.some((a) => a.startsWith('--exec'))).toBe(false);

    expect(progress.at(-1)).toBe(100);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it("maps yt-dlp's refusal to the teacher's error", async () => {
    const err = await vettedFailure(fetchWith('VettedGone4'));
    expect(err.code).toBe('youtube_removed');
    expect(err.transient).toBe(false);
  });

  it('reports a file over the size limit, which yt-dlp only mentions on stdout', async () => {
    const err = await vettedFailure(fetchWith('VettedHuge0'));
    expect(err.code).toBe('fetch_too_large');
  });

  it('kills a hung yt-dlp (and its children) at the time limit', async () => {
    const started = Date.now();
    const err = await vettedFailure(fetchWith('VettedSlow9', createYtdlpBackend({ binary: fake, detailsTimeoutMs: 300 })));
    expect(err.code).toBe('fetch_timeout');
    expect(err.transient).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('kills it when the job is stopped', async () => {
    const controller = new AbortController();
    const stop = new Error('worker shutting down');
    setTimeout(() => controller.abort(stop), 100);
    await expect(fetchWith('VettedSlow9', undefined, controller.signal)).rejects.toBe(stop);
  });

  it('says when the program is missing', async () => {
    const err = await vettedFailure(fetchWith('VettedOk001', createYtdlpBackend({ binary: path.join(dir, 'missing-yt-dlp') })));
    expect(err.code).toBe('youtube_backend_missing');
  });
});

describe('each run as the pipeline sets it up', () => {
  it('passes the runtime, a proxy ticket and a private copy of the cookies, and reports the warnings', async () => {
    const cookies = path.join(dir, 'throwaway-cookies.txt');
    writeFileSync(cookies, '# Netscape HTTP Cookie File\n.youtube.com\tTRUE\t/\tTRUE\t0\tSID\tthrowaway\n', { mode: 0o400 });
    const setup = ytdlpSetup({ proxy: { allow: [], connectTimeoutMs: 1_000, idleTimeoutMs: 1_000 }, cookiesFile: cookies });
    const warnings: YtdlpWarning[] = [];
    try {
      const site = createYtdlpBackend({ binary: fake, ffmpegLocation: '/usr/bin/ffmpeg', prepare: setup.prepare, onWarnings: (w) => warnings.push(...w) });
      await fetchWith('VettedWarn1', site);
      const args = readFileSync(argsLog, 'utf8').trimEnd().split('\n');
      const value = (flag: string) => args[args.indexOf(flag) + 1];
      expect(value('--js-runtimes')).toBe(`${setup.runtime.name}:${setup.runtime.path}`);
      expect(setup.runtime.name).toBe('deno');
      expect(value('--proxy')).toMatch(/^http:\/\/run-[a-f0-9]{32}:x@127\.0\.0\.1:\d+$/);
      expect(args).toContain('--no-plugin-dirs');
      expect(args).toContain('--no-remote-components');
      expect(args).toContain('--ignore-config');
      // yt-dlp got a copy (it writes the jar back when it ends); the copy is gone after the run, the original untouched.
      expect(value('--cookies')).not.toBe(cookies);
      expect(readFileSync(path.join(dir, 'cookies-seen.txt'), 'utf8')).toBe(readFileSync(cookies, 'utf8'));
      expect(existsSync(value('--cookies')!)).toBe(false);
      // Reported after each run (details, then download).
      expect(warnings.map((w) => w.code)).toEqual(['po_token', 'po_token']);
    } finally {
      await setup.close();
    }
  });
});

describe('choosing the backend', () => {
  it('uses yt-dlp unless the operator names the unmaintained ytdl-core backend', () => {
    expect(chooseVideoSite({ ytdlpPath: fake }).name).toBe('yt-dlp');
    expect(chooseVideoSite({}).name).toBe('yt-dlp');
    expect(chooseVideoSite({ backend: 'ytdl' }).name).toBe('ytdl');
    expect(chooseVideoSite({ backend: 'yt-dlp', ytdlpPath: fake }).name).toBe('yt-dlp');
    // Chosen explicitly but missing: still yt-dlp, so the item says the program is missing.
    expect(chooseVideoSite({ backend: 'yt-dlp', ytdlpPath: path.join(dir, 'nope') }).name).toBe('yt-dlp');
  });

  it('auto prefers a working yt-dlp and falls back to the built-in backend', () => {
    expect(findYtdlp(fake)).toBe(fake);
    expect(chooseVideoSite({ backend: 'auto', ytdlpPath: fake }).name).toBe('yt-dlp');
    expect(findYtdlp(path.join(dir, 'nope'))).toBeUndefined();
    expect(chooseVideoSite({ backend: 'auto', ytdlpPath: path.join(dir, 'nope') }).name).toBe('ytdl');
  });

  it('refuses a misspelt backend or age policy at start', () => {
    expect(() => chooseVideoSite({ backend: 'youtube-dl' })).toThrow(/YOUTUBE_BACKEND/);
    expect(ageRestrictedPolicyFrom(undefined)).toBe('refuse');
    expect(ageRestrictedPolicyFrom('flag')).toBe('flag');
    expect(() => ageRestrictedPolicyFrom('allow')).toThrow(/YOUTUBE_AGE_RESTRICTED/);
  });
});
