import type { AppContext } from '../api-context.js';
import { createApiContext } from '../api-context.js';
import type { Config } from '../config.js';
import { resolveBinaries } from '../media/binaries.js';
import { createMediaAdapter, type MediaAdapter } from '../media/ffmpeg.js';
import type { VideoSite } from '../sources/youtube/video-site.js';

/**
 * The worker's composition root: the API's side effects plus what only the worker needs, the media adapter and
 * the video sites. The API process never builds this, so it never loads ffmpeg's adapter or the sources.
 */
export interface WorkerContext extends AppContext {
  media: () => MediaAdapter;
  /**
   * The YouTube backend to use instead of the configured one. Set by whoever assembles the
   * context (tests hand in a backend that talks to a local stand-in for YouTube).
   */
  videoSite?: VideoSite;
}

export function createWorkerContext(config: Readonly<Config>): WorkerContext {
  const base = createApiContext(config, { role: 'worker' });
  let media: MediaAdapter | undefined;
  return {
    ...base,
    // Resolved on first use: a worker that only fetches (or runs housekeeping) needs no ffmpeg yet.
    media: () => {
      if (!media) {
        const bins = resolveBinaries({ ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath });
        media = createMediaAdapter({ ffmpegPath: bins.ffmpeg, ffprobePath: bins.ffprobe, timeoutMs: config.ffmpegTimeoutMs });
      }
      return media;
    },
  };
}
