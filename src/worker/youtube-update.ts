import type { AppContext } from '../api-context.js';
import { STAGES, type JobPayloads } from '../queue/jobs.js';
import { youtubeService } from '../services/youtube.js';

export const YTDLP_SCHEDULER_ID = 'ytdlp-update-daily';
/** Once a day, at a quiet hour of the server's clock. */
export const YTDLP_UPDATE_CRON = '17 4 * * *';

/**
 * Keeps yt-dlp current. Failures are recorded for the admin console and logged by the caller's outcome; the job
 * itself never fails the worker, and is not retried at once (tomorrow's run, or the admin's button, tries again).
 */
export async function runYtdlpUpdateJob(ctx: AppContext, data: JobPayloads['ytdlpUpdate'], signal: AbortSignal): Promise<'done' | 'skipped'> {
  // Only the admin's button overrides the admin's setting; anything else (the schedule) obeys it.
  const result = await youtubeService(ctx).update({ scheduled: data.trigger !== 'admin', signal });
  if (result.skipped) return 'skipped';
  if (!result.ok) console.error(`[worker] yt-dlp update failed: ${result.error}`);
  return result.ok ? 'done' : 'skipped';
}

export async function scheduleYtdlpUpdate(ctx: AppContext): Promise<void> {
  await ctx.producer.queueFor('ytdlpUpdate').upsertJobScheduler(
    YTDLP_SCHEDULER_ID,
    { pattern: YTDLP_UPDATE_CRON },
    { name: 'ytdlpUpdate', data: { trigger: 'schedule' } satisfies JobPayloads['ytdlpUpdate'], opts: { attempts: STAGES.ytdlpUpdate.attempts, removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } } },
  );
}

/** The admin's "update now": one job, whoever presses the button how often. */
export async function enqueueYtdlpUpdateNow(ctx: AppContext): Promise<void> {
  await ctx.producer
    .queueFor('ytdlpUpdate')
    .add('ytdlpUpdate', { trigger: 'admin' } satisfies JobPayloads['ytdlpUpdate'], { jobId: `ytdlp-update-now-${Math.floor(Date.now() / 60_000)}`, attempts: 1, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } });
}
