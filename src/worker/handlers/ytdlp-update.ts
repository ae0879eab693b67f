import type { AppContext } from '../../api-context.js';
import type { JobPayloads } from '../../queue/jobs.js';
import { youtubeService } from '../../services/youtube.js';

/**
 * `ytdlpUpdate` keeps yt-dlp current. Failures are recorded for the admin console and logged by the caller's outcome;
 * the job itself never fails the worker, and is not retried at once (tomorrow's run, or the admin's button, tries
 * again).
 */
export async function runYtdlpUpdateJob(ctx: AppContext, data: JobPayloads['ytdlpUpdate'], signal: AbortSignal): Promise<'done' | 'skipped'> {
  // Only the admin's button overrides the admin's setting; anything else (the schedule) obeys it.
  const result = await youtubeService(ctx).update({ scheduled: data.trigger !== 'admin', signal });
  if (result.skipped) return 'skipped';
  if (!result.ok) console.error(`[worker] yt-dlp update failed: ${result.error}`);
  return result.ok ? 'done' : 'skipped';
}
