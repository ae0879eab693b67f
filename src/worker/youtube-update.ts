import type { AppContext } from '../api-context.js';
import { NO_ITEM, STAGES } from '../queue/jobs.js';
import { youtubeService } from '../services/youtube.js';

/** The payload of an update an admin asked for now (the daily one carries NO_ITEM and obeys the admin's setting). */
export const UPDATE_NOW = '00000000-0000-0000-0000-000000000014';
export const YTDLP_SCHEDULER_ID = 'ytdlp-update-daily';
/** Once a day, at a quiet hour of the server's clock. */
export const YTDLP_UPDATE_CRON = '17 4 * * *';

/**
 * Keeps yt-dlp current. Failures are recorded for the admin console and logged by the caller's outcome; the job
 * itself never fails the worker, and is not retried at once (tomorrow's run, or the admin's button, tries again).
 */
export async function runYtdlpUpdateJob(ctx: AppContext, itemId: string, signal: AbortSignal): Promise<'done' | 'skipped'> {
  const result = await youtubeService(ctx).update({ scheduled: itemId !== UPDATE_NOW, signal });
  if (result.skipped) return 'skipped';
  if (!result.ok) console.error(`[worker] yt-dlp update failed: ${result.error}`);
  return result.ok ? 'done' : 'skipped';
}

export async function scheduleYtdlpUpdate(ctx: AppContext): Promise<void> {
  await ctx.producer.queueFor('ytdlpUpdate').upsertJobScheduler(
    YTDLP_SCHEDULER_ID,
    { pattern: YTDLP_UPDATE_CRON },
    { name: 'ytdlpUpdate', data: { itemId: NO_ITEM }, opts: { attempts: STAGES.ytdlpUpdate.attempts, removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } } },
  );
}

/** The admin's "update now": one job, whoever presses the button how often. */
export async function enqueueYtdlpUpdateNow(ctx: AppContext): Promise<void> {
  await ctx.producer
    .queueFor('ytdlpUpdate')
    .add('ytdlpUpdate', { itemId: UPDATE_NOW }, { jobId: `ytdlp-update-now-${Math.floor(Date.now() / 60_000)}`, attempts: 1, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } });
}
