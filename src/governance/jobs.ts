import type { AppContext } from '../api-context.js';
import { NO_ITEM, STAGES } from '../queue/jobs.js';
import { expireDue } from './expiry.js';
import { purge, purgeProgress } from './purge.js';

/** Worker handlers of the governance stages (registered in src/pipeline/runtime.ts's HANDLERS). */
export async function runExpiryJob(ctx: AppContext): Promise<'done' | 'skipped'> {
  const expired = await expireDue(ctx);
  return expired.length ? 'done' : 'skipped';
}

export async function runPurgeJob(ctx: AppContext): Promise<'done' | 'skipped'> {
  const progress = purgeProgress(ctx);
  const result = await purge(ctx, { dryRun: false, actor: { kind: 'system', id: null }, onProgress: (d, n) => progress.set(d, n) });
  return result.items.length ? 'done' : 'skipped';
}

export const EXPIRY_EVERY_MS = 60_000;
export const SCHEDULER_IDS = { expire: 'governance-expire', purge: 'governance-purge' } as const;

/**
 * Declares the repeatable jobs (idempotent: every worker start upserts the same schedulers, so several
 * workers still make one schedule): expiry every minute, the purge on PURGE_CRON (daily by default).
 */
export async function scheduleGovernanceJobs(ctx: AppContext): Promise<void> {
  const template = (stage: 'expire' | 'purge') => ({
    name: stage,
    data: { itemId: NO_ITEM },
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
