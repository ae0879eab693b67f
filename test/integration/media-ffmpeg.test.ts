import { execFile, execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VettedError } from '../../src/domain/errors.js';
import { assessProbe, clipWindow, defaultMediaLimits, planEncode } from '../../src/domain/media-rules.js';
import { resolveBinaries } from '../../src/media/binaries.js';
import { createMediaAdapter, MediaToolError, type MediaAdapter } from '../../src/media/ffmpeg.js';
import {
  ffprobeJson,
  makeFixture,
  topLevelBoxes,
  truncatedCopy,
  writeDisguisedHlsPlaylist,
  type FixtureKind,
} from '../helpers/fixtures-media.js';
import { rejection } from '../helpers/errors.js';

let dir: string;
let media: MediaAdapter;
let bins: { ffmpeg: string; ffprobe: string };
const fx: Record<string, string> = {};


async function expectCode(p: Promise<unknown>, code: string): Promise<VettedError> {
  const e = await rejection(p);
  expect(e).toBeInstanceOf(VettedError);
  expect((e as VettedError).code).toBe(code);
  return e as VettedError;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Processes whose command line mentions `needle` (used to show ffmpeg really died). */
async function processesMentioning(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

function durationOf(j: Awaited<ReturnType<typeof ffprobeJson>>): number {
  return Number(j.format.duration);
}

function video(j: Awaited<ReturnType<typeof ffprobeJson>>) {
  const v = j.streams.find((s) => s.codec_type === 'video');
  if (!v) throw new Error('no video stream');
  return v;
}

function displayRotation(s: { side_data_list?: Array<{ side_data_type?: string; rotation?: number }> }): number {
  return s.side_data_list?.find((d) => d.side_data_type === 'Display Matrix')?.rotation ?? 0;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vetted-media-'));
  bins = resolveBinaries();
  media = createMediaAdapter({ ffmpegPath: bins.ffmpeg, ffprobePath: bins.ffprobe, timeoutMs: 60_000 });
  const specs: Array<[string, FixtureKind, string, { seconds?: number; width?: number; height?: number }?]> = [
    ['h264', 'h264', 'h264.mp4'],
    ['meta', 'h264-metadata', 'meta.mp4'],
    ['rotated', 'h264-rotated', 'rotated.mp4'],
    ['vp9', 'vp9', 'vp9.webm'],
    ['hevc', 'hevc-mkv', 'hevc.mkv'],
    ['audio', 'audio-only', 'audio.m4a'],
    ['png', 'png', 'picture.png'],
    ['wide', 'h264', 'wide.mp4', { seconds: 2, width: 1600, height: 900 }],
    ['clip', 'h264', 'clip.mp4', { seconds: 6 }],
    ['long', 'h264', 'long.mp4', { seconds: 20, width: 640, height: 360 }],
  ];
  await Promise.all(
    specs.map(async ([key, kind, name, opts]) => {
      fx[key] = await makeFixture(kind, path.join(dir, name), opts);
    }),
  );
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('resolveBinaries', () => {
  it('finds Debian ffmpeg on the PATH when ffmpeg-static is absent', () => {
    const b = resolveBinaries({});
    expect(['system', 'ffmpeg-static']).toContain(b.source);
    expect(path.basename(b.ffmpeg)).toMatch(/^ffmpeg/);
    expect(path.basename(b.ffprobe)).toMatch(/^ffprobe/);
  });

  it('prefers explicit paths and refuses ones that are not executables', () => {
    expect(resolveBinaries({ ffmpegPath: bins.ffmpeg, ffprobePath: bins.ffprobe })).toEqual({ ...bins, source: 'env' });
    expect(() => resolveBinaries({ ffmpegPath: '/nonexistent/ffmpeg' })).toThrow(/FFMPEG_PATH/);
  });
});

describe('probe', { timeout: 15_000 }, () => {
  it('reads H.264/AAC in MP4', async () => {
    const p = await media.probe(fx.h264!);
    expect(p.formatName).toContain('mp4');
    expect(p.durationSeconds).toBeCloseTo(3, 0);
    expect(p.sizeBytes).toBeGreaterThan(0);
    expect(p.streamCount).toBe(2);
    expect(p.video).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: 320, height: 240, rotation: 0, bitsPerRawSample: 8 });
    expect(p.audio).toMatchObject({ codec: 'aac', sampleRate: 48000 });
    expect(() => assessProbe(p, defaultMediaLimits)).not.toThrow();
    expect(planEncode(p, {})).toBe('copy');
  });

  it('reads VP9/Opus in WebM and HEVC in Matroska, which must be transcoded', async () => {
    const vp9 = await media.probe(fx.vp9!);
    expect(vp9.formatName).toBe('matroska,webm');
    expect(vp9.video?.codec).toBe('vp9');
    expect(vp9.audio?.codec).toBe('opus');
    expect(vp9.durationSeconds).toBeCloseTo(3, 0);
    expect(planEncode(vp9, {})).toBe('transcode');

    const hevc = await media.probe(fx.hevc!);
    expect(hevc.video?.codec).toBe('hevc');
    expect(hevc.durationSeconds).toBeCloseTo(3, 0);
    expect(planEncode(hevc, {})).toBe('transcode');
  });

  it('reads the rotation of a phone-style video', async () => {
    const p = await media.probe(fx.rotated!);
    expect(p.video).toMatchObject({ width: 320, height: 240 });
    expect([90, 270]).toContain(p.video?.rotation);
  });

  it('sees that audio-only files have no picture', async () => {
    const p = await media.probe(fx.audio!);
    expect(p.video).toBeNull();
    expect(p.audio?.codec).toBe('aac');
    expect(() => assessProbe(p, defaultMediaLimits)).toThrow(expect.objectContaining({ code: 'media_no_video' }));
  });

  it('refuses files that are not video containers', async () => {
    const e = await expectCode(media.probe(fx.png!), 'media_unreadable');
    expect(e.message).toBe('The file is not a video Vetted can read (it may be damaged or in an unusual format).');
    expect(e.transient).toBe(false);
    const text = path.join(dir, 'notes.mp4');
    await writeFile(text, 'just some words, not a video');
    await expectCode(media.probe(text), 'media_unreadable');
  });

  it('refuses a cut-off MP4 whose index (moov) was never downloaded', async () => {
    // The fixture has its index at the end, as many cameras and encoders write it.
    const boxes = await topLevelBoxes(fx.h264!);
    expect(boxes.indexOf('moov')).toBeGreaterThan(boxes.indexOf('mdat'));
    const cut = await truncatedCopy(fx.h264!, path.join(dir, 'cut.mp4'), 0.3);
    const e = await expectCode(media.probe(cut), 'media_unreadable');
    expect((e as MediaToolError).stderrTail).toMatch(/moov/);

    // Encoding it anyway fails cleanly and leaves nothing behind.
    const out = path.join(dir, 'cut-out.mp4');
    const h264 = await media.probe(fx.h264!);
    await expectCode(
      media.encode(cut, out, { plan: 'copy', probe: h264, clip: null, maxOutputBytes: 1e9 }),
      'media_encode_failed',
    );
    expect(await exists(out)).toBe(false);
  });

  it('refuses an HLS playlist disguised as .mp4 without opening the files it names', async () => {
    // A FIFO as the named "segment": opening it for writing without blocking only succeeds while someone has it
    // open for reading, so polling it shows whether ffprobe/ffmpeg ever opened the file.
    const canary = path.join(dir, 'canary.ts');
    execFileSync('mkfifo', [canary]);
    const playlist = await writeDisguisedHlsPlaylist(path.join(dir, 'lesson.mp4'), {
      localFile: canary,
      url: 'http://127.0.0.1:1/x.ts',
    });

    const watchFifo = () => {
      let opened = false;
      const timer = setInterval(() => {
        try {
          closeSync(openSync(canary, constants.O_WRONLY | constants.O_NONBLOCK));
          opened = true;
        } catch {
          // ENXIO: nobody is reading it.
        }
      }, 5);
      return { stop: () => (clearInterval(timer), opened) };
    };

    // Control: an unguarded ffprobe falls for it and opens the local file the playlist names.
    const control = watchFifo();
    await new Promise<void>((resolve) => {
      const child = execFile(bins.ffprobe, ['-v', 'quiet', '-show_format', playlist], () => resolve());
      setTimeout(() => child.kill('SIGKILL'), 4000);
    });
    expect(control.stop()).toBe(true);

    const guarded = watchFifo();
    const started = Date.now();
    await expectCode(media.probe(playlist), 'media_unreadable');
    // encode and thumbnails must refuse it on their own too, even when handed a probe of some other file.
    const otherProbe = await media.probe(fx.h264!);
    const out = path.join(dir, 'lesson-out.mp4');
    await expectCode(
      media.encode(playlist, out, { plan: 'transcode', probe: otherProbe, clip: null, maxOutputBytes: 1e9 }),
      'media_encode_failed',
    );
    await expectCode(media.thumbnails(playlist, dir, { durationSeconds: 10 }), 'media_encode_failed');
    // Opening the FIFO would have blocked until the (one-minute) timeout; refusing takes well under a second each.
    expect(Date.now() - started).toBeLessThan(8000);
    expect(guarded.stop()).toBe(false);
    expect(await exists(out)).toBe(false);
  });
});

describe('encode', { timeout: 20_000 }, () => {
  it('copies browser-safe H.264 into a faststart MP4 with the metadata stripped', async () => {
    const src = await ffprobeJson(fx.meta!);
    expect(src.format.tags?.title).toBe('Secret');
    expect(src.format.tags?.location).toBeDefined();

    const p = await media.probe(fx.meta!);
    expect(planEncode(p, {})).toBe('copy');
    const out = path.join(dir, 'meta-out.mp4');
    const seen: number[] = [];
    await media.encode(fx.meta!, out, { plan: 'copy', probe: p, clip: null, maxOutputBytes: 1e9, onProgress: (n) => seen.push(n) });
    expect(seen.at(-1)).toBe(100);

    const j = await ffprobeJson(out);
    expect(j.format.format_name).toContain('mp4');
    expect(video(j)).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', width: 320, height: 240 });
    expect(Math.abs(durationOf(j) - p.durationSeconds)).toBeLessThan(0.1);
    const boxes = await topLevelBoxes(out);
    expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    const allTags = [j.format.tags ?? {}, ...j.streams.map((s) => s.tags ?? {})];
    for (const tags of allTags) {
      for (const key of Object.keys(tags)) expect(key).not.toMatch(/^(title|location)/);
      expect(Object.values(tags).join(' ')).not.toMatch(/Secret|51\.5074/);
    }
  });

  it('transcodes VP9/Opus WebM into H.264/AAC MP4', async () => {
    const p = await media.probe(fx.vp9!);
    const out = path.join(dir, 'vp9-out.mp4');
    const seen: number[] = [];
    await media.encode(fx.vp9!, out, { plan: planEncode(p, {}), probe: p, clip: null, maxOutputBytes: 1e9, onProgress: (n) => seen.push(n) });
    const j = await ffprobeJson(out);
    expect(video(j)).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', width: 320, height: 240 });
    expect(j.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac', sample_rate: '48000', channels: 2 });
    expect(Math.abs(durationOf(j) - 3)).toBeLessThan(0.15);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(100);
    const boxes = await topLevelBoxes(out);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
  });

  it('transcodes HEVC in Matroska into H.264/AAC MP4', async () => {
    const p = await media.probe(fx.hevc!);
    const out = path.join(dir, 'hevc-out.mp4');
    await media.encode(fx.hevc!, out, { plan: 'transcode', probe: p, clip: null, maxOutputBytes: 1e9 });
    const j = await ffprobeJson(out);
    expect(video(j)).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p' });
    expect(j.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
  });

  it('keeps a rotated video upright: copy keeps the display matrix, transcode turns the frames', async () => {
    const p = await media.probe(fx.rotated!);
    const copied = path.join(dir, 'rotated-copy.mp4');
    await media.encode(fx.rotated!, copied, { plan: 'copy', probe: p, clip: null, maxOutputBytes: 1e9 });
    const c = video(await ffprobeJson(copied));
    expect(c).toMatchObject({ width: 320, height: 240 });
    expect(Math.abs(displayRotation(c))).toBe(90);
    expect((await media.probe(copied)).video?.rotation).toBe(p.video?.rotation);

    const turned = path.join(dir, 'rotated-transcode.mp4');
    await media.encode(fx.rotated!, turned, { plan: 'transcode', probe: p, clip: null, maxOutputBytes: 1e9 });
    const t = video(await ffprobeJson(turned));
    expect(t).toMatchObject({ width: 240, height: 320 });
    expect(displayRotation(t)).toBe(0);
  });

  it('honours a clip with a start (transcode) and an end-only clip (copy)', async () => {
    const p = await media.probe(fx.clip!);
    const window = clipWindow(p, { startSeconds: 1.5, endSeconds: 4 });
    expect(planEncode(p, { startSeconds: 1.5, endSeconds: 4 })).toBe('transcode');
    const cut = path.join(dir, 'clip-mid.mp4');
    const seen: number[] = [];
    await media.encode(fx.clip!, cut, { plan: 'transcode', probe: p, clip: window, maxOutputBytes: 1e9, onProgress: (n) => seen.push(n) });
    expect(Math.abs(durationOf(await ffprobeJson(cut)) - 2.5)).toBeLessThan(0.1);
    expect(seen.at(-1)).toBe(100);

    const endOnly = clipWindow(p, { endSeconds: 2 });
    expect(planEncode(p, { endSeconds: 2 })).toBe('copy');
    const head = path.join(dir, 'clip-head.mp4');
    await media.encode(fx.clip!, head, { plan: 'copy', probe: p, clip: endOnly, maxOutputBytes: 1e9 });
    expect(Math.abs(durationOf(await ffprobeJson(head)) - 2)).toBeLessThan(0.1);
  });

  it('stops at the output size cap with media_too_large and removes the partial file', async () => {
    const p = await media.probe(fx.h264!);
    const out = path.join(dir, 'too-large.mp4');
    const e = await expectCode(
      media.encode(fx.h264!, out, { plan: 'transcode', probe: p, clip: null, maxOutputBytes: 20_000 }),
      'media_too_large',
    );
    expect(e.transient).toBe(false);
    expect(await exists(out)).toBe(false);
  });

  it('kills ffmpeg with SIGKILL on timeout and throws media_timeout', async () => {
    const p = await media.probe(fx.long!);
    const hasty = createMediaAdapter({ ffmpegPath: bins.ffmpeg, ffprobePath: bins.ffprobe, timeoutMs: 300 });
    const out = path.join(dir, 'timeout-out.mp4');
    const started = Date.now();
    const e = await expectCode(
      hasty.encode(fx.long!, out, { plan: 'transcode', probe: p, clip: null, maxOutputBytes: 1e9 }),
      'media_timeout',
    );
    expect(e.transient).toBe(false);
    expect(e.message).toMatch(/took too long/);
    // The transcode itself takes seconds; returning this soon means it was cut short.
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await processesMentioning(out)).toEqual([]);
    expect(await exists(out)).toBe(false);
  });

  it('kills ffmpeg on abort, deletes the partial output and rejects with an AbortError', async () => {
    const p = await media.probe(fx.long!);
    const out = path.join(dir, 'abort-out.mp4');
    const controller = new AbortController();
    let progressed = 0;
    const e = await rejection(
      media.encode(fx.long!, out, {
        plan: 'transcode',
        probe: p,
        clip: null,
        maxOutputBytes: 1e9,
        signal: controller.signal,
        onProgress: (n) => {
          progressed = n;
          if (n > 0) controller.abort();
        },
      }),
    );
    expect(progressed).toBeGreaterThan(0);
    expect(progressed).toBeLessThan(100);
    expect((e as Error).name).toBe('AbortError');
    expect(await processesMentioning(out)).toEqual([]);
    expect(await exists(out)).toBe(false);

    // Already aborted: nothing starts at all.
    await expect(
      media.encode(fx.long!, out, { plan: 'transcode', probe: p, clip: null, maxOutputBytes: 1e9, signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('thumbnails', { timeout: 15_000 }, () => {
  it('writes a poster at most 1280 px wide and a 320 px thumbnail', async () => {
    const out = await mkdtemp(path.join(dir, 'thumbs-'));
    const p = await media.probe(fx.wide!);
    const { poster, thumbnail } = await media.thumbnails(fx.wide!, out, { durationSeconds: p.durationSeconds });
    expect(poster).toBe(path.join(out, 'poster.jpg'));
    expect(thumbnail).toBe(path.join(out, 'thumbnail.jpg'));
    expect(video(await ffprobeJson(poster))).toMatchObject({ codec_name: 'mjpeg', width: 1280, height: 720 });
    expect(video(await ffprobeJson(thumbnail))).toMatchObject({ codec_name: 'mjpeg', width: 320, height: 180 });
  });

  it('shows rotated videos upright and keeps small posters at their own size', async () => {
    const out = await mkdtemp(path.join(dir, 'thumbs-'));
    const { poster, thumbnail } = await media.thumbnails(fx.rotated!, out, { durationSeconds: 3 });
    expect(video(await ffprobeJson(poster))).toMatchObject({ width: 240, height: 320 });
    expect(video(await ffprobeJson(thumbnail))).toMatchObject({ width: 320 });
  });

  it('falls back to the first frames when the stated length overshoots the file', async () => {
    const out = await mkdtemp(path.join(dir, 'thumbs-'));
    const { poster } = await media.thumbnails(fx.h264!, out, { durationSeconds: 3600 });
    expect(video(await ffprobeJson(poster)).codec_name).toBe('mjpeg');
  });
});

describe('imageToJpeg', { timeout: 15_000 }, () => {
  it('re-encodes a PNG (and a JPEG) to a JPEG no wider than asked', async () => {
    const jpg = path.join(dir, 'picture.jpg');
    await media.imageToJpeg(fx.png!, jpg, { maxWidth: 100 });
    expect(video(await ffprobeJson(jpg))).toMatchObject({ codec_name: 'mjpeg', width: 100, height: 75 });
    const again = path.join(dir, 'picture-again.jpg');
    await media.imageToJpeg(jpg, again, { maxWidth: 1000 });
    expect(video(await ffprobeJson(again))).toMatchObject({ codec_name: 'mjpeg', width: 100 });
  });

  it('refuses files that are not PNG, JPEG, GIF or WebP', async () => {
    const out = path.join(dir, 'not-an-image.jpg');
    await expectCode(media.imageToJpeg(fx.h264!, out, { maxWidth: 100 }), 'media_unreadable');
    expect(await exists(out)).toBe(false);
  });
});
