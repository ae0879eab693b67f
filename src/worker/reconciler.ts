import type { WorkerContext } from './context.js';
import { WORKING_STATUSES } from '../domain/item-state.js';
import { jobIdFor, stageFor } from '../queue/jobs.js';
import type { ItemRow } from '../db/schema.js';

const LIVE_STATES = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Postgres is the truth; Redis may have lost its jobs (it keeps nothing on disk here). Every item
 * left in a working state with no live job gets its job back.
 */
export async function reconcile(ctx: WorkerContext, log: (msg: string) => void = () => {}): Promise<number> {
  let requeued = 0;
  for (const item of await ctx.repos.items.listByStatus(WORKING_STATUSES)) {
    if (await giveJobBack(ctx, item, log)) requeued++;
  }
  return requeued;
}

/**
 * The same for one item, run as soon as any job of the item ends. A job id is taken for as long as its job exists,
 * and BullMQ silently drops an add under a taken id: a stale job still running when the next stage's job was added
 * under the same id (fetch hands over to media while a leftover media job is still finishing) leaves the item with
 * no job. The check runs after the ended job has been removed, so whichever of the two ends last repairs it.
 */
export async function reconcileItem(ctx: WorkerContext, itemId: string, log: (msg: string) => void = () => {}): Promise<boolean> {
  const item = await ctx.repos.items.get(itemId);
  return item ? giveJobBack(ctx, item, log) : false;
}

/**
 * Enqueues the job an item in a working state is owed unless a live one exists. A dead job with the same id
 * (failed and kept) would block the new one, so it is removed first.
 */
async function giveJobBack(ctx: WorkerContext, item: ItemRow, log: (msg: string) => void): Promise<boolean> {
  const stage = stageFor(item.status);
  if (!stage) return false;
  const jobId = jobIdFor(stage, item.id, item.media_generation);
  const job = await ctx.producer.queueFor(stage).getJob(jobId);
  if (job) {
    if (LIVE_STATES.has(await job.getState())) return false;
    await job.remove().catch(() => undefined);
  }
  await ctx.producer.enqueue(stage, item.id, item.media_generation);
  log(`reconciler: re-enqueued ${stage} for item ${item.id} (${item.status})`);
  return true;
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
