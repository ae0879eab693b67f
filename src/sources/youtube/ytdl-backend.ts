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
 *
 * The pieces: the fetch hook and ytdl-core's options (ytdl/fetch-hook.ts), the video's details (ytdl/details.ts),
 * the stream and caption downloads (ytdl/streams.ts), and what a failure means for the teacher (ytdl/refusals.ts).
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import ytdl from '@distube/ytdl-core';
import { VettedError } from '../../domain/errors.js';
import { tooLargeError } from '../../net/errors.js';
import { chooseStreams, sizeOf, type StreamFormat } from './formats.js';
import {
  blockedError,
  pickEnglishCaptions,
  YOUTUBE_ID,
  type DetailsContext,
  type DownloadContext,
  type DownloadedVideo,
  type VideoDetails,
  type VideoSite,
} from './video-site.js';
import { detailsFromInfo } from './ytdl/details.js';
import { forgetCached, infoOptions, type CallContext, type FetchLog, type YtdlTestHooks } from './ytdl/fetch-hook.js';
import { mapInfoError, mapMediaError } from './ytdl/refusals.js';
import { downloadStream, extensionFor, percentReporter, saveCaptions } from './ytdl/streams.js';

export type { YtdlTestHooks } from './ytdl/fetch-hook.js';

// Must be set before ytdl-core's first call; see the header comment. An operator's own value wins.
// These are writes, not settings of Vetted: ytdl-core reads them from process.env itself, so they cannot live in config.ts.
process.env.YTDL_NO_UPDATE ||= '1';
process.env.YTDL_NO_DEBUG_FILE ||= '1';

export interface YtdlBackendOptions {
  /** Size of each ranged request for long streams; YouTube throttles single requests for whole adaptive files. */
  chunkBytes?: number;
  testHooks?: YtdlTestHooks;
}

const DEFAULT_CHUNK_BYTES = 10 * 1024 * 1024;

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
