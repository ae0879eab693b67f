/**
 * Small media files for tests, generated on the fly with ffmpeg's lavfi sources so the repository carries no
 * binaries. Defaults (3 s, 320×240) keep each one well under a second to make on a 2-core machine.
 * Test code only: the service itself runs ffmpeg solely through src/media/ffmpeg.ts.
 */
import { execFile } from 'node:child_process';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveBinaries } from '../../src/media/binaries.js';
import type { TestEnv } from './harness.js';

const run = promisify(execFile);

export type FixtureKind = 'h264' | 'vp9' | 'h264-rotated' | 'h264-metadata' | 'audio-only' | 'hevc-mkv' | 'png';

export function mediaBinaries(): { ffmpeg: string; ffprobe: string } {
  return resolveBinaries();
}

/** The test environment's folder for the fixtures a file makes (inside its data folder, so cleanup removes it). */
export async function fixturesDir(t: TestEnv): Promise<string> {
  const dir = path.join(t.dataDir, 'fixtures');
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Runs the machine's ffmpeg quietly (errors only), overwriting its output: for fixtures a test makes itself. */
export async function ffmpeg(args: string[]): Promise<void> {
  await run(mediaBinaries().ffmpeg, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

/**
 * Writes a fixture to `outPath` and returns it. The H.264 kinds are MP4 WITHOUT faststart (moov after mdat), so
 * tests can show the adapter moves it, and so a cut-off copy has no index at all.
 */
export async function makeFixture(
  kind: FixtureKind,
  outPath: string,
  opts: { seconds?: number; width?: number; height?: number } = {},
): Promise<string> {
  const seconds = String(opts.seconds ?? 3);
  const size = `${opts.width ?? 320}x${opts.height ?? 240}`;
  const picture = ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`];
  const tone = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];
  const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '25'];
  const aac = ['-c:a', 'aac', '-b:a', '64k'];
  const both = [...picture, ...tone, '-t', seconds, '-map', '0:v', '-map', '1:a'];

  switch (kind) {
    case 'h264':
      await ffmpeg([...both, ...h264, ...aac, '-f', 'mp4', outPath]);
      break;
    case 'h264-metadata':
      await ffmpeg([
        ...both, ...h264, ...aac,
        '-metadata', 'title=Secret',
        '-metadata', 'location=+51.5074-000.1278/',
        '-f', 'mp4', outPath,
      ]);
      break;
    case 'h264-rotated': {
      // ffmpeg 5.1 has no -display_rotation; its MP4 muxer turns a `rotate` stream tag into a display matrix.
      const plain = `${outPath}.plain.mp4`;
      await ffmpeg([...both, ...h264, ...aac, '-f', 'mp4', plain]);
      try {
        await ffmpeg(['-i', plain, '-map', '0', '-c', 'copy', '-metadata:s:v:0', 'rotate=90', '-f', 'mp4', outPath]);
      } finally {
        await rm(plain, { force: true });
      }
      break;
    }
    case 'vp9':
      await ffmpeg([
        ...both,
        '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-pix_fmt', 'yuv420p',
        '-c:a', 'libopus', '-b:a', '48k',
        '-f', 'webm', outPath,
      ]);
      break;
    case 'hevc-mkv':
      await ffmpeg([
        ...both,
        '-c:v', 'libx265', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-x265-params', 'log-level=error',
        ...aac,
        '-f', 'matroska', outPath,
      ]);
      break;
    case 'audio-only':
      await ffmpeg([...tone, '-t', seconds, ...aac, '-f', 'mp4', outPath]);
      break;
    case 'png':
      await ffmpeg([...picture, '-frames:v', '1', '-c:v', 'png', '-update', '1', '-f', 'image2', outPath]);
      break;
  }
  return outPath;
}

/**
 * An HLS playlist named like an MP4. Auto-detected, ffmpeg would open every entry: a local file (segments with a
 * .ts name get past the Debian build's extension check) and a URL. The adapter must refuse it unread.
 */
export async function writeDisguisedHlsPlaylist(
  outPath: string,
  entries: { localFile: string; url?: string },
): Promise<string> {
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-TARGETDURATION:10',
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXTINF:10.0,',
    entries.localFile,
    '#EXTINF:10.0,',
    entries.url ?? 'http://127.0.0.1:1/x.ts',
    '#EXT-X-ENDLIST',
    '',
  ];
  await writeFile(outPath, lines.join('\n'));
  return outPath;
}

/** Copies the first `fraction` of a file, as an interrupted download would leave it. */
export async function truncatedCopy(src: string, dst: string, fraction: number): Promise<string> {
  const fh = await open(src, 'r');
  try {
    const { size } = await fh.stat();
    const buf = Buffer.alloc(Math.floor(size * fraction));
    await fh.read(buf, 0, buf.length, 0);
    await writeFile(dst, buf);
  } finally {
    await fh.close();
  }
  return dst;
}

/** The top-level ISO-BMFF boxes in file order (ftyp, moov, mdat…), to check faststart. */
export async function topLevelBoxes(file: string): Promise<string[]> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const names: string[] = [];
    const head = Buffer.alloc(16);
    let offset = 0;
    while (offset + 8 <= size) {
      await fh.read(head, 0, 16, offset);
      let boxSize = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (boxSize === 1) boxSize = Number(head.readBigUInt64BE(8));
      else if (boxSize === 0) boxSize = size - offset;
      if (boxSize < 8) break;
      names.push(type);
      offset += boxSize;
    }
    return names;
  } finally {
    await fh.close();
  }
}

export interface ProbedStream {
  codec_type?: string;
  codec_name?: string;
  pix_fmt?: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
  tags?: Record<string, string>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

/** Raw ffprobe JSON for checking outputs independently of the adapter's own parsing. */
export async function ffprobeJson(
  file: string,
): Promise<{ streams: ProbedStream[]; format: { duration?: string; format_name?: string; tags?: Record<string, string> } }> {
  const { stdout } = await run(mediaBinaries().ffprobe, [
    '-v', 'error', '-show_format', '-show_streams', '-of', 'json', file,
  ]);
  return JSON.parse(stdout) as Awaited<ReturnType<typeof ffprobeJson>>;
}
