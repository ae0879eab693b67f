import type { WorkerContext } from '../context.js';
import { parseAllowList } from '../../net/address.js';
import { resolverFor } from '../../net/resolver.js';
import { chooseVideoSite, youtubeSource } from '../../sources/youtube/index.js';
import { currentYtdlp } from '../../ytdlp/managed-binary.js';
import { defaultFfmpegLocation } from '../../sources/youtube/ytdlp-backend.js';
import { ytdlpSetup, type YtdlpSetup } from '../../sources/youtube/ytdlp-setup.js';
import type { Source } from '../../sources/types.js';

let cached: { key: string; source: Source; setup: YtdlpSetup } | undefined;

/**
 * The YouTube source as this installation is configured: the backend, yt-dlp's program (the managed copy, swapped by
 * the updater between runs), its JavaScript runtime and Vetted's proxy, and the age-restriction policy. yt-dlp's
 * warnings are recorded for the admin console.
 */
export function youtubeSourceFor(ctx: WorkerContext): Source {
  if (ctx.videoSite) {
    return youtubeSource(ctx.videoSite, { ageRestrictedPolicy: ctx.config.youtubeAgeRestricted, media: ctx.media });
  }
  const c = ctx.config;
  const key = [c.youtubeBackend, c.youtubeAgeRestricted, c.ytdlpPath, c.dataDir, c.youtubeProxy?.href, c.youtubePotProviderUrl, c.youtubeCookiesFile, c.ffmpegPath, c.ffprobePath, c.dnsServers.join(',')].join('|');
  if (cached?.key !== key) {
    void cached?.setup.close();
    const setup = ytdlpSetup({
      proxy: {
        allow: parseAllowList(c.fetchAllowPrivate),
        connectTimeoutMs: c.connectTimeoutMs,
        idleTimeoutMs: c.idleTimeoutMs,
        // DNS_SERVERS applies to yt-dlp's connections too (they all pass this proxy).
        resolve: resolverFor(c.dnsServers, c.connectTimeoutMs),
        ...(c.youtubeProxy ? { upstream: c.youtubeProxy } : {}),
      },
      ...(c.youtubeCookiesFile ? { cookiesFile: c.youtubeCookiesFile } : {}),
      ...(c.youtubePotProviderUrl ? { potProvider: { url: c.youtubePotProviderUrl, enabled: () => ctx.repos.youtube.potProviderEnabled() } } : {}),
    });
    const site = chooseVideoSite({
      backend: c.youtubeBackend,
      ytdlpPath: () => currentYtdlp({ ytdlpPath: c.ytdlpPath, dataDir: c.dataDir }).path ?? c.ytdlpPath,
      // The same ffmpeg as the media stage, resolved at each run like before (a missing one leaves yt-dlp to find its own).
      ffmpegPath: () => defaultFfmpegLocation({ ffmpegPath: c.ffmpegPath, ffprobePath: c.ffprobePath }),
      setup,
      onWarnings: (warnings) => {
        ctx.repos.youtube.recordWarnings(warnings).catch(() => undefined);
      },
    });
    cached = { key, setup, source: youtubeSource(site, { ageRestrictedPolicy: c.youtubeAgeRestricted, media: ctx.media }) };
  }
  return cached.source;
}
