/**
 * Which of YouTube's streams to download. Pure, so the choice is tested on plain objects. YouTube offers
 * "progressive" streams (picture and sound in one file, nowadays usually only 360p) and "adaptive" ones (picture or
 * sound alone, up to 4K). The classroom screen needs no more than 1080p, and the media stage re-encodes anything
 * that is not browser-ready, so we prefer one progressive file when it is decent and otherwise merge the best picture
 * with the best sound.
 */

/** The fields of a ytdl-core format we look at (ytdl-core adds hasVideo/hasAudio/container/codecs). */
export interface StreamFormat {
  itag: number;
  url: string;
  mimeType?: string;
  container?: string | null;
  codecs?: string | null;
  hasVideo: boolean;
  hasAudio: boolean;
  qualityLabel?: string | null;
  width?: number;
  height?: number;
  bitrate?: number | null;
  audioBitrate?: number | null;
  contentLength?: string | number | null;
  isLive?: boolean;
  isHLS?: boolean;
  isDashMPD?: boolean;
}

export type StreamChoice<F extends StreamFormat = StreamFormat> =
  | { kind: 'progressive'; format: F }
  | { kind: 'adaptive'; video: F; audio: F }
  /** The video has no sound track at all (some animations, test cards). */
  | { kind: 'video-only'; video: F }
  | { kind: 'none'; reason: 'no_formats' | 'too_large' };

export const MAX_RESOLUTION = 1080;
/** A progressive stream this good is worth more than a merge of something slightly better. */
const GOOD_PROGRESSIVE = 720;

/**
 * The "p" number: YouTube labels by the short side, so a 1080×1920 Short is "1080p". Falls back to the frame's
 * short side when a format has no label.
 */
export function resolutionOf(f: StreamFormat): number {
  const label = Number.parseInt(f.qualityLabel ?? '', 10);
  if (Number.isFinite(label) && label > 0) return label;
  if (f.width && f.height) return Math.min(f.width, f.height);
  return f.height ?? 0;
}

export function sizeOf(f: StreamFormat): number | undefined {
  const n = Number(f.contentLength);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function fits(f: StreamFormat, budget: number): boolean {
  const size = sizeOf(f);
  // Unknown sizes are allowed: the download itself stops at the byte limit.
  return size === undefined || size <= budget;
}

/** H.264 first: browsers play it everywhere and the media stage can often keep it as it is. */
function videoCodecRank(f: StreamFormat): number {
  const c = (f.codecs ?? f.mimeType ?? '').toLowerCase();
  if (c.includes('avc1')) return 3;
  if (c.includes('vp9') || c.includes('vp09')) return 2;
  if (c.includes('av01')) return 1;
  return 0;
}

function containerOf(f: StreamFormat): string {
  return (f.container ?? f.mimeType?.split(';')[0]?.split('/')[1] ?? '').toLowerCase();
}

function byPicture(a: StreamFormat, b: StreamFormat): number {
  return (
    resolutionOf(b) - resolutionOf(a) ||
    videoCodecRank(b) - videoCodecRank(a) ||
    Number(containerOf(b) === 'mp4') - Number(containerOf(a) === 'mp4') ||
    (b.bitrate ?? 0) - (a.bitrate ?? 0)
  );
}

/** Sound in the picture's container when there is one (so the merge can stay MP4), else the best sound. */
function pickAudio<F extends StreamFormat>(audios: F[], video: F, budget: number): F | undefined {
  const affordable = audios.filter((a) => fits(a, budget));
  const rank = (a: F) => a.audioBitrate ?? 0;
  const sameBox = affordable.filter((a) => containerOf(a) === containerOf(video)).sort((a, b) => rank(b) - rank(a) || (b.bitrate ?? 0) - (a.bitrate ?? 0));
  if (sameBox[0]) return sameBox[0];
  return [...affordable].sort((a, b) => rank(b) - rank(a) || (b.bitrate ?? 0) - (a.bitrate ?? 0))[0];
}

export function chooseStreams<F extends StreamFormat>(formats: readonly F[], opts: { maxBytes: number }): StreamChoice<F> {
  // Live/HLS/DASH manifests are playlists, not files; the guarded fetcher downloads whole files only.
  const usable = formats.filter(
    (f) => Boolean(f.url) && !f.isHLS && !f.isDashMPD && !f.isLive && (!f.hasVideo || resolutionOf(f) <= MAX_RESOLUTION),
  );
  if (!usable.some((f) => f.hasVideo)) return { kind: 'none', reason: 'no_formats' };

  const progressive = usable.filter((f) => f.hasVideo && f.hasAudio && fits(f, opts.maxBytes)).sort(byPicture);
  const videos = usable.filter((f) => f.hasVideo && !f.hasAudio).sort(byPicture);
  const audios = usable.filter((f) => f.hasAudio && !f.hasVideo);

  let adaptive: { video: F; audio: F } | undefined;
  for (const video of videos) {
    if (!fits(video, opts.maxBytes)) continue;
    const audio = pickAudio(audios, video, opts.maxBytes - (sizeOf(video) ?? 0));
    if (audio) {
      adaptive = { video, audio };
      break;
    }
  }

  const best = progressive[0];
  if (best && resolutionOf(best) >= GOOD_PROGRESSIVE) return { kind: 'progressive', format: best };
  if (adaptive && (!best || resolutionOf(adaptive.video) > resolutionOf(best))) return { kind: 'adaptive', ...adaptive };
  if (best) return { kind: 'progressive', format: best };
  if (adaptive) return { kind: 'adaptive', ...adaptive };
  const silent = audios.length === 0 ? videos.find((v) => fits(v, opts.maxBytes)) : undefined;
  if (silent) return { kind: 'video-only', video: silent };
  return { kind: 'none', reason: 'too_large' };
}
