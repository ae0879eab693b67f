import type { WorkerContext } from './context.js';
import { WORKING_STATUSES } from '../domain/item-state.js';
import { jobIdFor, stageFor } from '../queue/jobs.js';

const LIVE_STATES = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Postgres is the truth; Redis may have lost its jobs (it keeps nothing on disk here). Every item
 * left in a working state with no live job gets its job back. A dead job with the same id (failed
 * or completed but kept) would block the new one, so it is removed first.
 */
export async function reconcile(ctx: WorkerContext, log: (msg: string) => void = () => {}): Promise<number> {
  let requeued = 0;
  for (const item of await ctx.repos.items.listByStatus(WORKING_STATUSES)) {
    const stage = stageFor(item.status);
    if (!stage) continue;
    const queue = ctx.producer.queueFor(stage);
    const jobId = jobIdFor(stage, item.id, item.media_generation);
    const job = await queue.getJob(jobId);
    if (job) {
      const state = await job.getState();
      if (LIVE_STATES.has(state)) continue;
      await job.remove().catch(() => undefined);
    }
    await ctx.producer.enqueue(stage, item.id, item.media_generation);
    requeued++;
    log(`reconciler: re-enqueued ${stage} for item ${item.id} (${item.status})`);
  }
  return requeued;
}

/** Scratch folders of items that no longer need them (finished, failed, deleted) are left-overs of a crash. */
export async function sweepWorkFolders(ctx: WorkerContext): Promise<number> {
  const { work } = await ctx.store.listItemIds();
  let removed = 0;
  for (const id of work) {
    const item = /^[0-9a-f-]{36}$/.test(id) ? await ctx.repos.items.get(id) : undefined;
    if (!item || !WORKING_STATUSES.includes(item.status)) {
      await ctx.store.removeWork(id);
      removed++;
    }
  }
  return removed;
}
