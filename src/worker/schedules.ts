import type { AppContext } from '../api-context.js';
import { STAGES, type JobPayloads } from '../queue/jobs.js';

/**
 * The repeatable housekeeping jobs, declared at every worker start (idempotent: every worker upserts the same
 * schedulers, so several workers still make one schedule). Their handlers are in ./handlers/.
 */
export const EXPIRY_EVERY_MS = 60_000;
export const SCHEDULER_IDS = { expire: 'governance-expire', purge: 'governance-purge' } as const;
export const YTDLP_SCHEDULER_ID = 'ytdlp-update-daily';
/** Once a day, at a quiet hour of the server's clock. */
export const YTDLP_UPDATE_CRON = '17 4 * * *';

/** Expiry every minute, the purge on PURGE_CRON (daily by default); both carry an empty payload. */
export async function scheduleGovernanceJobs(ctx: AppContext): Promise<void> {
  const template = (stage: 'expire' | 'purge') => ({
    name: stage,
    data: {},
    opts: {
      attempts: STAGES[stage].attempts,
      backoff: { type: 'exponential' as const, delay: STAGES[stage].backoffMs },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
  await ctx.producer.queueFor('expire').upsertJobScheduler(SCHEDULER_IDS.expire, { every: EXPIRY_EVERY_MS }, template('expire'));
  await ctx.producer.queueFor('purge').upsertJobScheduler(SCHEDULER_IDS.purge, { pattern: ctx.config.purgeCron }, template('purge'));
}

/** The daily yt-dlp update, which obeys the admin's setting (the admin's "update now" is queued by the producer). */
export async function scheduleYtdlpUpdate(ctx: AppContext): Promise<void> {
  await ctx.producer.queueFor('ytdlpUpdate').upsertJobScheduler(
    YTDLP_SCHEDULER_ID,
    { pattern: YTDLP_UPDATE_CRON },
    { name: 'ytdlpUpdate', data: { trigger: 'schedule' } satisfies JobPayloads['ytdlpUpdate'], opts: { attempts: STAGES.ytdlpUpdate.attempts, removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } } },
  );
}
