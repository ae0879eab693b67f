/**
 * The built-in YouTube backend: @distube/ytdl-core for reading YouTube's pages, Vetted's guarded fetcher for every
 * byte that crosses the network.
 *
 * How the traffic is kept inside the guard (ytdl-core 4.16, read from node_modules/@distube/ytdl-core/lib):
 * - Info requests (watch page, player base.js, DASH/HLS manifests) go through `utils.request`, which calls the
 *   `fetch` option when one is given. We give it `guardedFetch` below, so SSRF checks, redirect checks, the YouTube
 *   host list and size limits apply. We chose this over a custom undici `Dispatcher`: the fetch hook is a documented
 *   option with a small contract (return a web `Response`), while undici's dispatcher handler API changed between
 *   majors and would have to re-implement streaming, redirects and abort on top of our own.
 * - The innertube "player API" clients (IOS, ANDROID, TV, WEB_EMBEDDED) bypass the fetch hook and POST JSON through
 *   `options.agent.dispatcher`. The guarded fetcher speaks GET/HEAD only, so we use the WEB client alone (formats
 *   come from the watch page), and hand ytdl-core an agent whose dispatcher refuses everything: any code path we did
 *   not foresee fails closed instead of reaching the network unguarded.
 * - Media never goes through ytdl-core's downloader (miniget, which would connect directly): we pick the formats and
 *   download their URLs ourselves with `downloadToFile`.
 * - ytdl-core's update check (a direct request to api.github.com) is switched off with YTDL_NO_UPDATE, and its habit
 *   of writing debug files into the working directory with YTDL_NO_DEBUG_FILE.
 *
 * ytdl-core runs the decipher and n-transform functions it cuts out of YouTube's base.js in `vm` (not a security
 * boundary). That code comes from www.youtube.com over TLS, so this trusts YouTube as much as any YouTube client does.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import ytdl from '@distube/ytdl-core';
import { VettedError } from '../../domain/errors.js';
import { downloadToFile, guardedRequest, type FetchPolicy, type NetTestHooks } from '../../net/fetcher.js';
import { abortReason, statusError, tooLargeError, truncatedError } from '../../net/errors.js';
import { chooseStreams, sizeOf, type StreamFormat } from './formats.js';
import {
  blockedError,
  CAPTIONS_FILE,
  classifyYouTubeRefusal,
  failedError,
  looksLikeWebVtt,
  pickEnglishCaptions,
  refusalError,
  shortCause,
  unavailableError,
  YOUTUBE_ID,
  type CaptionTrack,
  type DetailsContext,
  type DownloadContext,
  type DownloadedVideo,
  type VideoDetails,
  type VideoSite,
} from './video-site.js';

// Must be set before ytdl-core's first call; see the header comment. An operator's own value wins.
// These are writes, not settings of Vetted: ytdl-core reads them from process.env itself, so they cannot live in config.ts.
process.env.YTDL_NO_UPDATE ||= '1';
process.env.YTDL_NO_DEBUG_FILE ||= '1';

/** Tests only: how the real code path is pointed at a local stand-in for YouTube. */
export interface YtdlTestHooks {
  /** Passed to the guarded fetcher: resolve YouTube's names to the test server, trust its throw-away CA. */
  net?: NetTestHooks;
  /** YouTube's URLs have no port; this moves them onto the test server's port. Host names (TLS, host checks) stay. */
  rewriteUrl?: (url: URL) => URL;
}

export interface YtdlBackendOptions {
  /** Size of each ranged request for long streams; YouTube throttles single requests for whole adaptive files. */
  chunkBytes?: number;
  testHooks?: YtdlTestHooks;
}

const DEFAULT_CHUNK_BYTES = 10 * 1024 * 1024;
/** Watch pages are ~1–2 MB and base.js ~3 MB; anything far larger is not a YouTube page. */
const PAGE_MAX_BYTES = 16 * 1024 * 1024;
const CAPTIONS_MAX_BYTES = 5 * 1024 * 1024;
/** A current desktop browser: YouTube serves its normal watch page (with ytInitialPlayerResponse) to these. */
const BROWSER_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
/** Request headers from ytdl-core we pass on; anything else it sets is for the innertube API we do not use. */
const FORWARDED_HEADERS = new Set(['user-agent', 'cookie', 'accept-language']);
const HTML_TYPES = /^(text\/html|application\/xhtml\+xml)/i;

/** The hosts a YouTube download legitimately touches; a manifest or redirect pointing elsewhere is refused. */
export function isYouTubeServiceHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'youtube.com' || h.endsWith('.youtube.com') || h.endsWith('.googlevideo.com');
}

function youtubePolicy(policy: FetchPolicy, maxBytes = policy.maxBytes): FetchPolicy {
  return {
    ...policy,
    maxBytes: Math.min(policy.maxBytes, maxBytes),
    userAgent: BROWSER_USER_AGENT,
    checkHost: (host) => {
      policy.checkHost?.(host);
      if (!isYouTubeServiceHost(host)) {
        throw failedError(new Error(`YouTube download was sent to ${host}, which is not a YouTube host`));
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The fetch hook handed to ytdl-core

/** A non-2xx answer to an info request; kept apart so 404 and 403/429 can mean different things. */
class InfoStatusError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
  ) {
    super(`HTTP ${status} for ${url}`);
  }
}

/**
 * Wraps every failure our fetch hook raises while ytdl-core is holding it. `statusCode: 0` stops ytdl-core's own
 * retry loop (it retries anything without a status below 500): retries belong to Vetted's job queue.
 */
class GuardedFetchFailure extends Error {
  readonly statusCode = 0;
  constructor(readonly reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason));
  }
}

interface FetchLog {
  /** Every URL ytdl-core asked for, in order (tests assert on it; handy in logs). */
  urls: string[];
  /** Failures ytdl-core may swallow (it logs and drops a failed base.js fetch, then reports "no formats"). */
  failures: unknown[];
}

interface CallContext {
  policy: FetchPolicy;
  signal: AbortSignal;
  hooks: YtdlTestHooks;
}

function outgoing(url: string | URL, hooks: YtdlTestHooks): URL {
  const u = new URL(url);
  return hooks.rewriteUrl ? hooks.rewriteUrl(u) : u;
}

function headerValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.join(', ');
  return undefined;
}

function forwardedHeaders(init: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = (init as { headers?: unknown } | undefined)?.headers;
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      const v = headerValue(value);
      if (v !== undefined && FORWARDED_HEADERS.has(name.toLowerCase())) out[name.toLowerCase()] = v;
    }
  }
  return out;
}

function decode(encoding: string | undefined, body: Buffer, max: number): Buffer {
  const e = (encoding ?? '').trim().toLowerCase();
  // We ask for identity; a server that compresses anyway is decoded with the same size cap.
  const opts = { maxOutputLength: max };
  if (e === '' || e === 'identity') return body;
  if (e === 'gzip' || e === 'x-gzip') return zlib.gunzipSync(body, opts);
  if (e === 'deflate') return zlib.inflateSync(body, opts);
  if (e === 'br') return zlib.brotliDecompressSync(body, opts);
  throw new Error(`unsupported content-encoding ${e}`);
}

/** One GET through the guard, read whole into memory (pages and scripts only). */
async function fetchText(url: URL, headers: Record<string, string>, call: CallContext): Promise<{ body: Buffer; contentType: string }> {
  const policy = youtubePolicy(call.policy, PAGE_MAX_BYTES);
  const res = await guardedRequest(url, {
    policy,
    signal: call.signal,
    headers: { ...headers, 'accept-encoding': 'identity' },
    testHooks: call.hooks.net,
  });
  try {
    if (res.status < 200 || res.status > 299) throw new InfoStatusError(res.status, url.href);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > policy.maxBytes) throw tooLargeError(policy.maxBytes);
      chunks.push(chunk);
    }
    const encoding = headerValue(res.headers['content-encoding']);
    return {
      body: decode(encoding, Buffer.concat(chunks, total), policy.maxBytes),
      contentType: headerValue(res.headers['content-type']) ?? 'text/plain',
    };
  } finally {
    res.body.destroy();
  }
}

function guardedFetch(call: CallContext, log: FetchLog): (url: string, init?: unknown) => Promise<Response> {
  return async (url, init) => {
    log.urls.push(url);
    try {
      const method = String((init as { method?: unknown } | undefined)?.method ?? 'GET').toUpperCase();
      if (method !== 'GET') throw new Error(`ytdl-core asked for ${method} ${url}; only GET goes through the guarded fetcher`);
      const { body, contentType } = await fetchText(outgoing(url, call.hooks), forwardedHeaders(init), call);
      // ytdl-core reads only content-type (to choose json() or text()) and the body, which YouTube sends as UTF-8.
      return new Response(body.toString('utf8'), { status: 200, headers: { 'content-type': contentType } });
    } catch (e) {
      log.failures.push(e);
      throw new GuardedFetchFailure(e);
    }
  };
}

/** Fail-closed stand-in for ytdl-core's undici dispatcher; see the header comment. */
const REFUSING_DISPATCHER = {
  dispatch(): never {
    throw new Error('ytdl-core tried to reach the network around the guarded fetcher');
  },
};

let cookieAgent: ytdl.Agent | undefined;

/** ytdl-core's agent carries the cookie jar (with YouTube's consent cookie, which avoids the EU consent page). */
function agent(): ytdl.Agent {
  cookieAgent ??= { ...ytdl.createAgent(), dispatcher: REFUSING_DISPATCHER as unknown as ytdl.Agent['dispatcher'] };
  return cookieAgent;
}

function infoOptions(call: CallContext, log: FetchLog): ytdl.getInfoOptions {
  return {
    lang: 'en',
    playerClients: ['WEB'],
    agent: agent(),
    fetch: guardedFetch(call, log) as ytdl.getInfoOptions['fetch'],
    requestOptions: { headers: { 'user-agent': BROWSER_USER_AGENT, 'accept-language': 'en' } },
  };
}

/**
 * ytdl-core caches info and watch pages module-wide for a second, keyed by video id. A cached promise would carry
 * another job's signal and policy, so each call starts fresh.
 */
function forgetCached(id: string): void {
  const caches = (ytdl as unknown as { cache?: Record<string, Map<string, unknown> | undefined> }).cache ?? {};
  for (const cache of Object.values(caches)) {
    if (!cache) continue;
    for (const key of [...cache.keys()]) {
      if (key.includes(id)) cache.delete(key);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

function statusMeaning(failure: InfoStatusError): VettedError {
  const cause = shortCause(failure);
  // Only the watch page's own "not found" says something about the video; a missing player script does not.
  const watchPage = new URL(failure.url).pathname === '/watch';
  if ((failure.status === 404 || failure.status === 410) && watchPage) return unavailableError(cause);
  if (failure.status === 403 || failure.status === 429 || failure.status === 401) return blockedError(cause);
  if (failure.status >= 500) return statusError(failure.status) ?? failedError(cause);
  return failedError(cause);
}

/** Turns whatever ytdl-core threw into the error a teacher sees. */
function mapInfoError(e: unknown, log: FetchLog, signal: AbortSignal): unknown {
  if (signal.aborted) return abortReason(signal);
  const reason = e instanceof GuardedFetchFailure ? e.reason : e;
  if (reason instanceof InfoStatusError) return statusMeaning(reason);
  if (reason instanceof VettedError) return reason;
  const message = reason instanceof Error ? reason.message : String(reason);
  const refusal = classifyYouTubeRefusal(message);
  if (refusal) return refusalError(refusal, shortCause(message));
  if (/no playable formats|failed to find any playable formats|unable to find html5player/i.test(message)) {
    // ytdl-core swallows a failed base.js fetch and only reports "no formats"; the recorded failure is the reason.
    const swallowed = log.failures[0];
    if (swallowed !== undefined) return mapInfoError(new GuardedFetchFailure(swallowed), { urls: [], failures: [] }, signal);
    return blockedError(shortCause(message));
  }
  return failedError(shortCause(message));
}

/** A refused media request: after the job queue's last attempt, the teacher gets the way out in the message. */
function mapMediaError(e: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return abortReason(signal);
  if (e instanceof VettedError) {
    if (e.code === 'fetch_http_status' || e.code === 'fetch_not_found') return blockedError(e);
    if (e.code === 'fetch_server_error' && /HTTP 429\b/.test(e.message)) return blockedError(e);
  }
  return e;
}

// ---------------------------------------------------------------------------------------------------------------
// Details

interface PlayerResponse {
  playabilityStatus?: { status?: string; reason?: string };
  videoDetails?: {
    videoId?: string;
    title?: string;
    author?: string;
    channelId?: string;
    lengthSeconds?: string;
    isLive?: boolean;
    isUpcoming?: boolean;
    isLiveContent?: boolean;
    thumbnail?: { thumbnails?: Array<{ url?: string; width?: number }> };
  };
  microformat?: {
    playerMicroformatRenderer?: {
      isFamilySafe?: boolean;
      lengthSeconds?: string;
      ownerChannelName?: string;
      ownerProfileUrl?: string;
      externalChannelId?: string;
      liveBroadcastDetails?: { isLiveNow?: boolean; startTimestamp?: string; endTimestamp?: string };
    };
  };
  captions?: {
    playerCaptionsTracklistRenderer?: {
      captionTracks?: Array<{
        baseUrl?: string;
        languageCode?: string;
        kind?: string;
        name?: { simpleText?: string; runs?: Array<{ text?: string }> };
      }>;
    };
  };
}

function httpsUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const u = new URL(raw, 'https://www.youtube.com/');
    if (u.protocol === 'http:') u.protocol = 'https:';
    return u.href;
  } catch {
    return undefined;
  }
}

/**
 * "Made for kids" is not a documented field of the watch page; when YouTube includes it, it is a boolean named
 * isMadeForKids somewhere in the player response. Best effort: null when absent.
 */
function madeForKidsIn(pr: unknown): boolean | null {
  const m = /"isMadeForKids":(true|false)/.exec(JSON.stringify(pr ?? {}));
  return m ? m[1] === 'true' : null;
}

export function detailsFromInfo(id: string, info: { player_response: unknown; videoDetails?: unknown }): VideoDetails {
  const pr = info.player_response as PlayerResponse;
  const vd = pr.videoDetails ?? {};
  const mf = pr.microformat?.playerMicroformatRenderer ?? {};
  const more = (info.videoDetails ?? {}) as { age_restricted?: boolean; media?: Record<string, unknown> };
  const tracks = pr.captions?.playerCaptionsTracklistRenderer?.captionTracks ?? [];
  const captions: CaptionTrack[] = [];
  for (const t of tracks) {
    const url = httpsUrl(t.baseUrl);
    if (!url || !t.languageCode) continue;
    captions.push({
      lang: t.languageCode,
      name: t.name?.simpleText ?? t.name?.runs?.map((r) => r.text ?? '').join('') ?? t.languageCode,
      url,
      auto: t.kind === 'asr',
    });
  }
  const thumbs = vd.thumbnail?.thumbnails ?? [];
  const licence = more.media?.license ?? more.media?.licence;
  const channelId = vd.channelId ?? mf.externalChannelId;
  const details: VideoDetails = {
    id: vd.videoId ?? id,
    title: vd.title ?? '',
    channel: vd.author ?? mf.ownerChannelName ?? '',
    durationSeconds: Number(mf.lengthSeconds ?? vd.lengthSeconds) || 0,
    isLive: vd.isLive === true || mf.liveBroadcastDetails?.isLiveNow === true,
    isUpcoming: vd.isUpcoming === true || pr.playabilityStatus?.status === 'LIVE_STREAM_OFFLINE',
    ageRestricted: more.age_restricted === true,
    familySafe: typeof mf.isFamilySafe === 'boolean' ? mf.isFamilySafe : null,
    madeForKids: madeForKidsIn(pr),
    captions,
  };
  const channelUrl = httpsUrl(mf.ownerProfileUrl) ?? (channelId ? `https://www.youtube.com/channel/${channelId}` : undefined);
  if (channelUrl) details.channelUrl = channelUrl;
  if (typeof licence === 'string' && licence) details.licence = licence;
  const thumb = httpsUrl(thumbs[thumbs.length - 1]?.url);
  if (thumb) details.thumbnailUrl = thumb;
  return details;
}

// ---------------------------------------------------------------------------------------------------------------
// Downloads

async function appendFile(from: string, to: string): Promise<void> {
  await pipeline(createReadStream(from), createWriteStream(to, { flags: 'a' }));
}

/**
 * Downloads one stream to `dest`. Long streams come in `range=` slices (YouTube's own player asks for media this way;
 * a single request for a whole adaptive file is throttled to playback speed), each through `downloadToFile`.
 */
async function downloadStream(
  format: StreamFormat,
  dest: string,
  call: CallContext,
  chunkBytes: number,
  onBytes: (received: number) => void,
): Promise<void> {
  const policy = youtubePolicy(call.policy);
  const total = sizeOf(format);
  const base = {
    policy,
    signal: call.signal,
    testHooks: call.hooks.net,
    accept: ({ contentType }: { contentType: string | undefined }) => {
      // googlevideo answers a refused request with a page, not a video.
      if (contentType && HTML_TYPES.test(contentType)) throw blockedError(new Error(`media answered with ${contentType}`));
    },
  };
  if (total !== undefined && total > policy.maxBytes) throw tooLargeError(policy.maxBytes);
  if (total === undefined || total <= chunkBytes) {
    await downloadToFile(outgoing(format.url, call.hooks), dest, { ...base, onProgress: (received) => onBytes(received) });
    return;
  }
  const partial = `${dest}.part`;
  const slice = `${dest}.slice`;
  try {
    await rm(partial, { force: true });
    for (let start = 0; start < total; start += chunkBytes) {
      const end = Math.min(start + chunkBytes, total) - 1;
      const url = new URL(format.url);
      url.searchParams.set('range', `${start}-${end}`);
      const got = await downloadToFile(outgoing(url, call.hooks), slice, {
        ...base,
        onProgress: (received) => onBytes(start + received),
      });
      // A server that ignores `range` sends the whole file; stitching that would corrupt the result.
      if (got.bytes !== end - start + 1) throw truncatedError(new Error(`range ${start}-${end} gave ${got.bytes} bytes`));
      await appendFile(slice, partial);
      await rm(slice, { force: true });
    }
    await rename(partial, dest);
  } catch (e) {
    await rm(partial, { force: true });
    await rm(slice, { force: true });
    throw e;
  }
}

async function fileHead(file: string, bytes: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Captions are a bonus: any failure (except the job being stopped) leaves the video without them. */
async function saveCaptions(track: CaptionTrack, workDir: string, call: CallContext): Promise<string | undefined> {
  const dest = path.join(workDir, CAPTIONS_FILE);
  try {
    const url = new URL(track.url);
    url.searchParams.set('fmt', 'vtt');
    await downloadToFile(outgoing(url, call.hooks), dest, {
      policy: youtubePolicy(call.policy, CAPTIONS_MAX_BYTES),
      signal: call.signal,
      testHooks: call.hooks.net,
    });
    if (looksLikeWebVtt(await fileHead(dest, 64))) return CAPTIONS_FILE;
  } catch {
    if (call.signal.aborted) throw abortReason(call.signal);
  }
  await rm(dest, { force: true });
  return undefined;
}

function extensionFor(f: StreamFormat): string {
  const c = (f.container ?? f.mimeType?.split(';')[0]?.split('/')[1] ?? 'bin').toLowerCase();
  return /^[a-z0-9]{1,5}$/.test(c) ? c : 'bin';
}

function percentReporter(onProgress: (p: number) => void): (p: number) => void {
  let last = -1;
  return (p) => {
    const whole = Math.max(0, Math.min(100, Math.floor(p)));
    if (whole > last) {
      last = whole;
      onProgress(whole);
    }
  };
}

export function createYtdlBackend(opts: YtdlBackendOptions = {}): VideoSite {
  const hooks = opts.testHooks ?? {};
  const chunkBytes = Math.max(1024, opts.chunkBytes ?? DEFAULT_CHUNK_BYTES);

  function checkedId(id: string): string {
    if (!YOUTUBE_ID.test(id)) throw new VettedError('youtube_bad_id', 'This YouTube link looks damaged: the video code in it is not valid.');
    return id;
  }

  return {
    name: 'ytdl',

    // getBasicInfo reads the watch page only: enough to judge the video, and it works for live streams and
    // refusals, whose formats ytdl-core could not list.
    async details(id: string, ctx: DetailsContext): Promise<VideoDetails> {
      checkedId(id);
      const call: CallContext = { policy: ctx.policy, signal: ctx.signal, hooks };
      const log: FetchLog = { urls: [], failures: [] };
      forgetCached(id);
      try {
        const info = await ytdl.getBasicInfo(id, infoOptions(call, log));
        return detailsFromInfo(id, info);
      } catch (e) {
        throw mapInfoError(e, log, ctx.signal);
      }
    },

    async download(id: string, details: VideoDetails, ctx: DownloadContext): Promise<DownloadedVideo> {
      checkedId(id);
      const call: CallContext = { policy: ctx.policy, signal: ctx.signal, hooks };
      const log: FetchLog = { urls: [], failures: [] };
      const report = percentReporter(ctx.onProgress);
      forgetCached(id);
      let info: ytdl.videoInfo;
      try {
        info = await ytdl.getInfo(id, infoOptions(call, log));
      } catch (e) {
        throw mapInfoError(e, log, ctx.signal);
      }
      report(2);

      const choice = chooseStreams(info.formats as StreamFormat[], { maxBytes: ctx.policy.maxBytes });
      if (choice.kind === 'none') {
        if (choice.reason === 'too_large') throw tooLargeError(ctx.policy.maxBytes);
        throw blockedError(new Error('YouTube listed no downloadable format'));
      }

      const streams = choice.kind === 'progressive' ? [choice.format] : choice.kind === 'adaptive' ? [choice.video, choice.audio] : [choice.video];
      const sizes = streams.map((s) => sizeOf(s) ?? 0);
      const grand = sizes.reduce((a, b) => a + b, 0);
      // Downloads fill 2–95 %, a merge the rest; unknown sizes simply report less often.
      const span = choice.kind === 'adaptive' ? 93 : 98;
      const files: string[] = [];
      try {
        let before = 0;
        for (const [i, stream] of streams.entries()) {
          const role = streams.length === 1 ? 'source' : i === 0 ? 'video' : 'audio';
          const file = `youtube-${role}.${extensionFor(stream)}`;
          files.push(file);
          const offset = before;
          await downloadStream(stream, path.join(ctx.workDir, file), call, chunkBytes, (received) => {
            if (grand > 0) report(2 + ((offset + received) / grand) * span);
          });
          before += sizes[i] ?? 0;
        }
      } catch (e) {
        await Promise.all(files.map((f) => rm(path.join(ctx.workDir, f), { force: true })));
        throw mapMediaError(e, ctx.signal);
      }

      let file = files[0] as string;
      if (choice.kind === 'adaptive') {
        const media = ctx.media;
        const merge = media.mergeAV;
        if (!merge) throw new Error('the media adapter cannot merge separate picture and sound files (mergeAV)');
        const bothMp4 = extensionFor(choice.video) === 'mp4' && extensionFor(choice.audio) === 'mp4';
        file = bothMp4 ? 'youtube-source.mp4' : 'youtube-source.mkv';
        try {
          await merge.call(media, path.join(ctx.workDir, files[0] as string), path.join(ctx.workDir, files[1] as string), path.join(ctx.workDir, file), {
            format: bothMp4 ? 'mp4' : 'matroska',
            signal: ctx.signal,
          });
        } finally {
          await Promise.all(files.map((f) => rm(path.join(ctx.workDir, f), { force: true })));
        }
      }

      const track = pickEnglishCaptions(details.captions);
      const captions = track ? await saveCaptions(track, ctx.workDir, call) : undefined;
      report(100);
      return captions ? { file, captions } : { file };
    },
  };
}
