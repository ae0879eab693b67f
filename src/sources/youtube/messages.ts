/**
 * What yt-dlp's output means for a teacher and for the admin. yt-dlp repeats YouTube's own wording in its ERROR lines;
 * each refusal becomes a sentence with a way out. Its WARNING lines (no JavaScript runtime, no PO token, too old)
 * are for the admin console, not for teachers. Pure: tested on recorded output (test/fixtures/youtube).
 */
import { VettedError } from '../../domain/errors.js';
import { tooLargeError } from '../../net/errors.js';
import type { Refusal } from '../../net/connect-proxy.js';
import {
  ageRestrictedError,
  blockedError,
  classifyYouTubeRefusal,
  failedError,
  refusalError,
  shortCause,
  unavailableError,
} from './video-site.js';

const UPLOAD_WAY_OUT = 'download the video on a computer that can play it and upload the file to the playlist instead';

function withCause(err: VettedError, cause: unknown): VettedError {
  err.cause = cause;
  return err;
}

export function privateError(cause?: unknown): VettedError {
  return withCause(
    new VettedError('youtube_private', 'This YouTube video is private. Ask its owner to make it public or unlisted, or choose another video.'),
    cause,
  );
}

export function removedError(cause?: unknown): VettedError {
  return withCause(
    new VettedError('youtube_removed', 'This video has been removed from YouTube (by its owner or by YouTube). Choose another video.'),
    cause,
  );
}

/** "Made for kids" videos need the full player, which needs the JavaScript runtime; without it YouTube says no. */
export function kidsUnavailableError(cause?: unknown): VettedError {
  return withCause(
    new VettedError(
      'youtube_kids_unavailable',
      `YouTube would not give the server this video (videos marked "made for kids" need a full player that the server could not run). Ask your IT person to look at the YouTube page of the admin console; meanwhile, ${UPLOAD_WAY_OUT}.`,
      { transient: true, httpStatus: 502 },
    ),
    cause,
  );
}

export function proxyRefusedError(refusal: Refusal): VettedError {
  if (refusal.kind === 'unreachable') {
    return withCause(
      new VettedError('youtube_offline', 'The server cannot reach YouTube right now (no internet connection, or a school proxy in the way). Vetted will try again later.', {
        transient: true,
        httpStatus: 502,
      }),
      new Error(`${refusal.target}: ${refusal.reason}`),
    );
  }
  return withCause(
    new VettedError('fetch_blocked_address', 'This video tried to send Vetted somewhere other than YouTube, so Vetted stopped.', { httpStatus: 422 }),
    new Error(`${refusal.target}: ${refusal.reason}`),
  );
}

export function missingProgramError(cause: unknown): VettedError {
  return withCause(
    new VettedError(
      'youtube_backend_missing',
      'The YouTube downloader (yt-dlp) is not installed on the server. Ask your IT person to run "npm run cli -- youtube update" or upload yt-dlp in the admin console.',
      { httpStatus: 500 },
    ),
    cause,
  );
}

export interface YtdlpFailure {
  stderr: string;
  timedOut?: boolean;
  spawnError?: NodeJS.ErrnoException;
  maxBytes?: number;
  /** What our proxy refused during the run: the real reason behind a "403" or "Tunnel connection failed". */
  refusals?: readonly Refusal[];
}

const NO_RUNTIME = /no supported javascript runtime|javascript runtime could be found|js runtime|without a js(?:avascript)? runtime/i;

/** The teacher's sentence for a failed yt-dlp run. */
export function ytdlpError(f: YtdlpFailure): VettedError {
  if (f.spawnError) return missingProgramError(f.spawnError);
  if (f.timedOut) {
    return new VettedError('fetch_timeout', 'YouTube took too long to send the video. Vetted will try again later.', {
      transient: true,
      httpStatus: 504,
    });
  }
  const refused = f.refusals?.find((r) => r.kind !== 'unreachable') ?? f.refusals?.[0];
  if (refused) return proxyRefusedError(refused);
  const lines = f.stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const errors = lines.filter((l) => l.startsWith('ERROR:'));
  const text = (errors.length > 0 ? errors : lines.slice(-5)).join('\n');
  const cause = shortCause(text || 'yt-dlp failed without saying why');
  if (/made for kids/i.test(text)) return kidsUnavailableError(cause);
  if (/private video|this video is private/i.test(text)) return privateError(cause);
  if (/removed by the uploader|has been removed|account associated with this video has been terminated|copyright claim|violating youtube/i.test(text)) {
    return removedError(cause);
  }
  if (/confirm your age|age[- ]restrict|inappropriate for some users/i.test(text)) return ageRestrictedError();
  const refusal = classifyYouTubeRefusal(text);
  if (refusal === 'unavailable') return unavailableError(cause);
  if (refusal) return refusalError(refusal, cause);
  // Without a runtime YouTube only offers a cut-down client, which has no formats for "made for kids" videos.
  if (/requested format is not available|only images are available|no video formats found/i.test(text) && lines.some((l) => NO_RUNTIME.test(l))) {
    return kidsUnavailableError(cause);
  }
  if (/HTTP Error 403|403: Forbidden/i.test(text)) return blockedError(cause);
  if (/max-filesize|larger than max/i.test(text) && f.maxBytes) return tooLargeError(f.maxBytes);
  if (/Unable to connect to proxy|Tunnel connection failed|Failed to resolve|Temporary failure in name resolution|Network is unreachable|Connection refused|getaddrinfo failed|Name or service not known/i.test(text)) {
    return withCause(
      new VettedError('youtube_offline', 'The server cannot reach YouTube right now (no internet connection, or a school proxy in the way). Vetted will try again later.', {
        transient: true,
        httpStatus: 502,
      }),
      cause,
    );
  }
  return failedError(cause);
}

export type YtdlpWarningCode = 'no_js_runtime' | 'po_token' | 'outdated' | 'other';

export interface YtdlpWarning {
  code: YtdlpWarningCode;
  /** For the admin: what it means and what to do. */
  message: string;
  /** yt-dlp's own line, shortened. */
  detail: string;
}

const WARNING_TEXT: Record<Exclude<YtdlpWarningCode, 'other'>, string> = {
  no_js_runtime:
    'yt-dlp found no JavaScript runtime, so it cannot pass YouTube\'s challenges and "made for kids" videos fail. Reinstall Vetted\'s dependencies (the deno package) or update yt-dlp.',
  po_token:
    'YouTube asked for a PO token, which servers in data centres often need. See the README ("YouTube from a data centre"): a school proxy or a PO-token provider helps.',
  outdated: 'yt-dlp says it is out of date. Run the update on this page, or "npm run cli -- youtube update".',
};

/** The warnings in yt-dlp's stderr that an admin can act on; ordinary chatter is dropped. */
export function warningsFrom(stderr: string): YtdlpWarning[] {
  const out: YtdlpWarning[] = [];
  const seen = new Set<YtdlpWarningCode>();
  for (const raw of stderr.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line.startsWith('WARNING:')) continue;
    let code: YtdlpWarningCode | undefined;
    if (NO_RUNTIME.test(line)) code = 'no_js_runtime';
    else if (/po[ _-]?token|gvs po/i.test(line)) code = 'po_token';
    else if (/older than \d+ days|outdated|update.*yt-dlp|yt-dlp.*update/i.test(line)) code = 'outdated';
    if (!code || seen.has(code)) continue;
    seen.add(code);
    out.push({ code, message: WARNING_TEXT[code as Exclude<YtdlpWarningCode, 'other'>], detail: line.length > 300 ? `${line.slice(0, 300)}…` : line });
  }
  return out;
}
