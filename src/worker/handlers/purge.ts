import type { WorkerContext } from '../context.js';
import { purge, purgeProgress } from '../../services/purge.js';

/** `purge` (on PURGE_CRON, daily by default; an empty payload): the scheduled purge, by the system rather than a person. */
export async function runPurgeJob(ctx: WorkerContext): Promise<'done' | 'skipped'> {
  const progress = purgeProgress(ctx);
  const result = await purge(ctx, { dryRun: false, actor: { kind: 'system', id: null }, onProgress: (d, n) => progress.set(d, n) });
  return result.items.length ? 'done' : 'skipped';
}
