/**
 * ffprobe: reads a local file's container and streams once, into the `ProbeResult` the domain rules decide on.
 * Spawned directly (fluent-ffmpeg's ffprobe has no timeout and its text parser flattens side data).
 */
import { execFile } from 'node:child_process';
import type { ProbeResult } from '../domain/media-rules.js';
import { abortError, MediaToolError, regularFile, tailOf, unreadable, VIDEO_DEMUXERS } from './basics.js';

interface RawStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  pix_fmt?: string;
  width?: number;
  height?: number;
  channels?: number;
  sample_rate?: string;
  bits_per_raw_sample?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  disposition?: Record<string, number>;
  tags?: Record<string, string>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

interface RawProbe {
  streams?: RawStream[];
  format?: { format_name?: string; duration?: string; size?: string; nb_streams?: number };
}

/** Subtitle codecs that are text, so they can become the item's WebVTT captions (bitmap subtitles cannot). */
const TEXT_SUBTITLES = new Set(['mov_text', 'subrip', 'srt', 'webvtt', 'ass', 'ssa', 'text']);

function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** "30000/1001" → 29.97; undefined for "0/0" and other non-rates. */
function rate(v: string | undefined): number | undefined {
  const m = v ? /^(\d+)\/(\d+)$/.exec(v) : null;
  if (!m || Number(m[2]) === 0) return undefined;
  const r = Number(m[1]) / Number(m[2]);
  return r > 0 && r < 1000 ? r : undefined;
}

/** Clockwise quarter turns to show the picture upright, as ffmpeg's own autorotation reads the display matrix. */
function rotationOf(s: RawStream): number {
  const matrix = s.side_data_list?.find((d) => d.side_data_type === 'Display Matrix');
  // The display matrix angle is counter-clockwise; the old `rotate` tag is clockwise.
  const clockwise = matrix?.rotation !== undefined ? -matrix.rotation : (num(s.tags?.rotate) ?? 0);
  return (((Math.round(clockwise / 90) * 90) % 360) + 360) % 360;
}

/** Matroska keeps per-track lengths as a "HH:MM:SS.nnnnnnnnn" tag when the container has none. */
function tagDuration(s: RawStream): number | undefined {
  const tag = s.tags?.DURATION ?? s.tags?.duration;
  const m = tag ? /^(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(tag) : null;
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

export function toProbeResult(raw: RawProbe): ProbeResult {
  const streams = raw.streams ?? [];
  const format = raw.format;
  if (!format?.format_name || streams.length === 0) throw unreadable('ffprobe found no streams');
  // Cover art in audio files is a "video" stream too; it is not a picture the class can watch.
  const v = streams.find(
    (s) => s.codec_type === 'video' && !s.disposition?.attached_pic && !s.disposition?.timed_thumbnails,
  );
  const a = streams.find((s) => s.codec_type === 'audio');
  const streamDurations = streams.map((s) => num(s.duration) ?? tagDuration(s) ?? 0);
  const duration = num(format.duration) ?? Math.max(0, ...streamDurations);
  const bits = num(v?.bits_per_raw_sample);
  const frameRate = v ? (rate(v.avg_frame_rate) ?? rate(v.r_frame_rate)) : undefined;
  // Subtitle tracks are numbered among subtitle tracks, as ffmpeg's `0:s:N` counts them.
  const subtitles = streams
    .filter((s) => s.codec_type === 'subtitle')
    .map((s, n) => ({ index: n, codec: s.codec_name ?? 'unknown', language: s.tags?.language ?? null }))
    .filter((s) => TEXT_SUBTITLES.has(s.codec));
  return {
    formatName: format.format_name,
    durationSeconds: duration,
    sizeBytes: num(format.size) ?? 0,
    streamCount: num(format.nb_streams) ?? streams.length,
    video: v
      ? {
          codec: v.codec_name ?? 'unknown',
          ...(v.profile ? { profile: v.profile } : {}),
          pixFmt: v.pix_fmt ?? 'unknown',
          width: num(v.width) ?? 0,
          height: num(v.height) ?? 0,
          rotation: rotationOf(v),
          ...(bits !== undefined ? { bitsPerRawSample: bits } : {}),
          ...(frameRate !== undefined ? { frameRate } : {}),
        }
      : null,
    audio: a
      ? { codec: a.codec_name ?? 'unknown', channels: num(a.channels) ?? 0, sampleRate: num(a.sample_rate) ?? 0 }
      : null,
    ...(subtitles.length > 0 ? { textSubtitles: subtitles } : {}),
  };
}

export async function probeFile(
  ffprobePath: string,
  file: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const abs = await regularFile(file);
  const args = [
    '-v', 'error',
    '-hide_banner',
    '-protocol_whitelist', 'file',
    '-format_whitelist', VIDEO_DEMUXERS,
    '-show_format',
    '-show_streams',
    '-of', 'json',
    `file:${abs}`,
  ];
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      ffprobePath,
      args,
      {
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        windowsHide: true,
        ...(signal ? { signal } : {}),
      },
      (err, out, errOut) => {
        if (!err) {
          resolve(out);
          return;
        }
        if (signal?.aborted) reject(abortError(signal));
        else if ((err as { killed?: boolean }).killed) {
          reject(new MediaToolError('media_timeout', 'Reading this file took too long, so Vetted stopped it.', tailOf(errOut)));
        } else reject(unreadable(tailOf(errOut) || err.message));
      },
    );
  });
  let raw: RawProbe;
  try {
    raw = JSON.parse(stdout) as RawProbe;
  } catch {
    throw unreadable('ffprobe printed something that is not JSON');
  }
  return toProbeResult(raw);
}
