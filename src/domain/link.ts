/**
 * Link recognition: what kind of thing did the teacher paste? Kept pure (no I/O) so the API can
 * answer instantly and the same rules apply in the worker. Anything we cannot tell from the URL
 * alone is 'unknown' and gets decided later from the response (see `sniffKind`).
 */
import path from 'node:path';
import { VettedError } from './errors.js';

export type LinkKind = 'youtube' | 'media' | 'page' | 'unknown';

export interface RecognisedLink {
  kind: LinkKind;
  url: URL;
  /** One spelling per thing, so the same video/page pasted twice is recognised as the same item. */
  canonicalUrl: string;
  youtubeId?: string;
  /** Where the teacher's link asked playback to start (YouTube `t=`/`start=`), when above zero. */
  startSeconds?: number;
}

const YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;

/** Hosts whose links we understand as YouTube. Any other subdomain of youtube.com counts too. */
const YOUTUBE_HOSTS = new Set([
  'youtube.com',
  'youtu.be',
  'www.youtu.be',
  'youtube-nocookie.com',
  'www.youtube-nocookie.com',
  // YouTube Kids uses the same ids and watch URLs; common in the classrooms this serves.
  'youtubekids.com',
  'www.youtubekids.com',
]);

/** Path prefixes whose next segment is the video id. */
const ID_PATH_PREFIXES = new Set(['shorts', 'embed', 'live', 'v', 'e', 'watch']);

const CHANNEL_PREFIXES = new Set(['channel', 'c', 'user']);

export const MEDIA_EXTENSIONS: ReadonlySet<string> = new Set([
  'mp4', 'm4v', 'webm', 'mov', 'mkv', 'avi', 'ts', 'm2ts', 'mpg', 'mpeg', 'ogv', 'flv', '3gp',
]);

/** Extensions that are almost always server-rendered pages; only a hint, the response still decides. */
const PAGE_EXTENSIONS = new Set(['html', 'htm', 'xhtml', 'shtml', 'php', 'asp', 'aspx', 'jsp']);

/** Query parameters that only identify the click, never the content; stripping them dedupes pastes. */
const TRACKING_PARAMS = new Set([
  'fbclid', 'gclid', 'dclid', 'gbraid', 'wbraid', 'msclkid', 'yclid', 'igshid', 'mc_cid', 'mc_eid',
]);

function notAVideo(message: string): VettedError {
  return new VettedError('youtube_not_a_video', message, { httpStatus: 422 });
}

function badId(): VettedError {
  return new VettedError(
    'youtube_bad_id',
    'This YouTube link looks damaged: the video code in it is not valid. Open the video on YouTube again and copy its link.',
    { httpStatus: 422 },
  );
}

const CHANNEL_MESSAGE =
  'This is a YouTube channel page, not a single video. Open the video you want and copy its link.';
const PLAYLIST_MESSAGE =
  'This is a YouTube playlist, not a single video. Open the video you want from the playlist and copy its link.';
const SEARCH_MESSAGE =
  'This is a YouTube search page, not a single video. Open the video you want and copy its link.';
const GENERIC_MESSAGE =
  "This YouTube link doesn't point to a single video. Open the video you want and copy its link.";

/**
 * Seconds from a YouTube-style timestamp: `90`, `90s`, `1m30s`, `1h2m3s`, `1:30`, `1:02:03`.
 * Returns undefined for anything else rather than guessing.
 */
export function parseTimestamp(t: string): number | undefined {
  const s = t.trim().toLowerCase();
  if (s === '') return undefined;
  let seconds: number | undefined;
  let m: RegExpExecArray | null;
  if ((m = /^(\d+(?:\.\d+)?)s?$/.exec(s))) {
    seconds = Number(m[1]);
  } else if ((m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(s))) {
    // The regex also matches '' but that was excluded above.
    seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  } else if ((m = /^(?:(\d+):)?(\d+):(\d{1,2})$/.exec(s))) {
    // Clock form: seconds (and minutes, when hours are given) must be below 60.
    const [h, min, sec] = [Number(m[1] ?? 0), Number(m[2]), Number(m[3])];
    if (sec < 60 && (m[1] === undefined || min < 60)) seconds = h * 3600 + min * 60 + sec;
  }
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return undefined;
  return Math.floor(seconds);
}

function normaliseHost(hostname: string): string {
  // URL already lowercases; a trailing dot is a legal FQDN spelling of the same host.
  return hostname.toLowerCase().replace(/\.$/, '');
}

function isYouTubeHost(host: string): boolean {
  return YOUTUBE_HOSTS.has(host) || host.endsWith('.youtube.com');
}

function startFrom(url: URL): number | undefined {
  const fromFragment = new URLSearchParams(url.hash.replace(/^#/, ''));
  const raw =
    url.searchParams.get('t') ??
    url.searchParams.get('start') ??
    url.searchParams.get('time_continue') ??
    fromFragment.get('t') ??
    fromFragment.get('start');
  if (raw === null) return undefined;
  const seconds = parseTimestamp(raw);
  // Starting at 0 is the same as not asking; leaving it out keeps records tidy.
  return seconds && seconds > 0 ? seconds : undefined;
}

function checkedId(candidate: string | null | undefined): string {
  if (!candidate || !YOUTUBE_ID.test(candidate)) throw badId();
  return candidate;
}

/** The video id in a YouTube URL, or a teacher-readable error saying what the link is instead. */
function youtubeIdOf(url: URL, host: string, depth = 0): string {
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const first = segments[0]?.toLowerCase();

  if (host === 'youtu.be' || host === 'www.youtu.be') {
    if (!segments[0]) throw notAVideo(GENERIC_MESSAGE);
    return checkedId(segments[0]);
  }

  if (first === undefined) {
    // Home page; very old share links put the id in ?v= on the root.
    const v = url.searchParams.get('v');
    if (v !== null) return checkedId(v);
    throw notAVideo(GENERIC_MESSAGE);
  }

  if (first === 'watch' && segments.length === 1) {
    const v = url.searchParams.get('v');
    if (v !== null) return checkedId(v);
    if (url.searchParams.has('list')) throw notAVideo(PLAYLIST_MESSAGE);
    throw badId();
  }

  if (first === 'embed' && segments[1]?.toLowerCase() === 'videoseries') throw notAVideo(PLAYLIST_MESSAGE);

  if (ID_PATH_PREFIXES.has(first)) {
    if (!segments[1]) throw notAVideo(GENERIC_MESSAGE);
    return checkedId(segments[1]);
  }

  if (first === 'playlist') throw notAVideo(PLAYLIST_MESSAGE);
  if (first === 'results' || first === 'search') throw notAVideo(SEARCH_MESSAGE);
  if (first.startsWith('@') || CHANNEL_PREFIXES.has(first)) throw notAVideo(CHANNEL_MESSAGE);
  if (first === 'clip') {
    // Clip ids are not video ids; the clip page links its full video.
    throw notAVideo('This is a YouTube clip link. Open the full video and copy its link instead.');
  }

  if (first === 'attribution_link' && depth === 0) {
    // Old share format: /attribution_link?u=/watch%3Fv%3DID%26feature%3Dshare
    const inner = url.searchParams.get('u');
    if (inner && inner.startsWith('/') && !inner.startsWith('//')) {
      return youtubeIdOf(new URL(inner, 'https://www.youtube.com'), 'www.youtube.com', depth + 1);
    }
  }

  // Feeds, hashtags, legacy custom channel names (/SomeName) and the like.
  throw notAVideo(GENERIC_MESSAGE);
}

/** The URL without fragment, credentials and click-tracking parameters; host lowercased. */
function canonicalise(url: URL): string {
  const c = new URL(url.href);
  c.hash = '';
  // Credentials must never end up stored or shown as an item's identity.
  c.username = '';
  c.password = '';
  c.hostname = normaliseHost(c.hostname);
  for (const name of [...c.searchParams.keys()]) {
    const lower = name.toLowerCase();
    if (lower.startsWith('utm_') || TRACKING_PARAMS.has(lower)) c.searchParams.delete(name);
  }
  // searchParams.delete re-serialises; an emptied query should not leave a bare '?'.
  if (c.search === '?') c.search = '';
  return c.href;
}

/** Lowercased extension of the last path segment, if it has one. */
function extensionOf(url: URL): string | undefined {
  let last = url.pathname.split('/').pop() ?? '';
  try {
    last = decodeURIComponent(last);
  } catch {
    // Malformed percent-escapes: judge the raw text.
  }
  const m = /\.([A-Za-z0-9]{1,5})$/.exec(last);
  return m?.[1]?.toLowerCase();
}

/**
 * Classify a pasted link. YouTube links are reduced to one canonical id/URL or rejected with a
 * sentence a teacher can act on; direct media is recognised by extension; the rest waits for the
 * response headers.
 */
export function recogniseLink(url: URL): RecognisedLink {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new VettedError(
      'link_unsupported',
      'Only web links (starting with http:// or https://) can be added. Copy the link from the browser address bar.',
      { httpStatus: 422 },
    );
  }
  const host = normaliseHost(url.hostname);

  if (isYouTubeHost(host)) {
    const youtubeId = youtubeIdOf(url, host);
    const startSeconds = startFrom(url);
    return {
      kind: 'youtube',
      url,
      canonicalUrl: `https://www.youtube.com/watch?v=${youtubeId}`,
      youtubeId,
      ...(startSeconds !== undefined ? { startSeconds } : {}),
    };
  }

  const ext = extensionOf(url);
  const canonicalUrl = canonicalise(url);
  if (ext && MEDIA_EXTENSIONS.has(ext)) return { kind: 'media', url, canonicalUrl };
  if (ext && PAGE_EXTENSIONS.has(ext)) return { kind: 'page', url, canonicalUrl };
  return { kind: 'unknown', url, canonicalUrl };
}

// ---------------------------------------------------------------------------------------------
// Content sniffing

/** Content types servers use when they don't know or won't say; the bytes must decide. */
const GENERIC_BINARY = new Set([
  'application/octet-stream',
  'binary/octet-stream',
  'application/binary',
  'application/unknown',
  'application/x-download',
  'application/force-download',
  'application/download',
]);

const HLS_TYPES = new Set(['application/vnd.apple.mpegurl', 'application/x-mpegurl', 'audio/mpegurl', 'audio/x-mpegurl']);

/** ISO-BMFF brands that are still images (HEIF/AVIF), not video, despite the ftyp box. */
const IMAGE_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'mif1', 'msf1', 'avif', 'avis']);

/** QuickTime files written before ftyp existed start directly with one of these atoms. */
const QUICKTIME_ATOMS = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

function ascii(b: Buffer, start: number, end: number): string {
  return b.length >= end ? b.toString('latin1', start, end) : '';
}

function hasMediaMagic(b: Buffer): boolean {
  if (ascii(b, 4, 8) === 'ftyp') return !IMAGE_BRANDS.has(ascii(b, 8, 12).toLowerCase());
  if (QUICKTIME_ATOMS.has(ascii(b, 4, 8))) return true;
  if (b.length >= 4 && b.readUInt32BE(0) === 0x1a45dfa3) return true; // EBML: Matroska / WebM
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'AVI ') return true;
  if (b.length > 188 && b[0] === 0x47 && b[188] === 0x47) return true; // MPEG-TS, 188-byte packets
  if (b.length > 196 && b[4] === 0x47 && b[196] === 0x47) return true; // M2TS, 4-byte timecode prefix
  if (ascii(b, 0, 3) === 'FLV' && b[3] === 0x01) return true;
  if (ascii(b, 0, 4) === 'OggS') return true;
  // MPEG program stream pack header / MPEG-1 video sequence header (.mpg/.mpeg).
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 1 && (b[3] === 0xba || b[3] === 0xb3)) return true;
  return false;
}

/** Leading text of the body with any BOM removed, lowercased, for markup checks. */
function leadingText(b: Buffer): string {
  const head = b.subarray(0, 512);
  let text: string;
  if (head[0] === 0xff && head[1] === 0xfe) text = head.subarray(2).toString('utf16le');
  else if (head[0] === 0xfe && head[1] === 0xff) {
    const swapped = Buffer.from(head.subarray(2, 2 + ((head.length - 2) & ~1)));
    text = swapped.swap16().toString('utf16le');
  } else if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) text = head.subarray(3).toString('utf8');
  else text = head.toString('latin1');
  return text.replace(/^[\s\u0000]+/, '').toLowerCase();
}

function looksLikeHtml(text: string): boolean {
  return (
    text.startsWith('<!doctype html') ||
    /^<html[\s>]/.test(text) ||
    /^<head[\s>]/.test(text) ||
    /^<body[\s>]/.test(text)
  );
}

/**
 * Decide what a response is from its headers and first bytes. Magic numbers are only trusted over
 * a generic/absent Content-Type, because a server that names a specific type usually means it;
 * HLS playlists are 'other' since a playlist is not a file we can vet as a whole.
 */
export function sniffKind(contentType: string | undefined, firstBytes: Buffer): 'media' | 'page' | 'other' {
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const text = leadingText(firstBytes);

  if (HLS_TYPES.has(mime) || text.startsWith('#extm3u')) return 'other';
  if (mime === 'application/dash+xml') return 'other';
  // An HTML error page served under a video type is still a page; video never starts with markup.
  if (looksLikeHtml(text)) return 'page';
  if (mime.startsWith('video/')) return 'media';
  if ((mime === '' || GENERIC_BINARY.has(mime)) && hasMediaMagic(firstBytes)) return 'media';
  if (mime === 'text/html' || mime === 'application/xhtml+xml') return 'page';
  return 'other';
}

/** The name the item's title gets from a URL like …/Counting-with-frogs.mp4 → "Counting with frogs". */
export function titleFromUrl(url: URL): string | undefined {
  let base = path.posix.basename(url.pathname);
  try {
    base = decodeURIComponent(base);
  } catch {
    // A broken %-escape: the raw text is still a fair title.
  }
  base = base.replace(/\.[A-Za-z0-9]{2,5}$/, '');
  const words = base.replace(/[-_.+]+/g, ' ').trim();
  return words ? words.slice(0, 200) : undefined;
}
