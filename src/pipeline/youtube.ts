import type { AppContext } from '../context.js';
import { chooseVideoSite, youtubeSource } from '../sources/youtube/index.js';
import type { Source } from '../sources/types.js';

let cached: { key: string; source: Source } | undefined;

/** The YouTube source as this installation is configured (backend, age-restriction policy). */
export function youtubeSourceFor(ctx: AppContext): Source {
  if (ctx.videoSite) {
    return youtubeSource(ctx.videoSite, { ageRestrictedPolicy: ctx.config.youtubeAgeRestricted, media: ctx.media });
  }
  const key = `${ctx.config.youtubeBackend}|${ctx.config.youtubeAgeRestricted}|${ctx.config.ytdlpPath ?? ''}`;
  if (cached?.key !== key) {
    const site = chooseVideoSite({ backend: ctx.config.youtubeBackend, ytdlpPath: ctx.config.ytdlpPath });
    cached = { key, source: youtubeSource(site, { ageRestrictedPolicy: ctx.config.youtubeAgeRestricted, media: ctx.media }) };
  }
  return cached.source;
}
