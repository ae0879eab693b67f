import type { WorkerContext } from '../context.js';
import type { JobPayloads, Stage } from '../../queue/jobs.js';
import { runFetchStage } from '../stages/fetch.js';
import { runMediaStage } from '../stages/media.js';
import { runExpiryJob } from './expire.js';
import { runPurgeJob } from './purge.js';
import { runYtdlpUpdateJob } from './ytdlp-update.js';

export type Handler<S extends Stage> = (ctx: WorkerContext, data: JobPayloads[S], signal: AbortSignal) => Promise<'done' | 'skipped'>;

/**
 * Every job name has exactly one handler, typed by its own payload; `startWorkers` refuses to start otherwise. An
 * item's stages are in ../stages/, the housekeeping jobs one file each beside this one.
 */
export const HANDLERS: { [S in Stage]: Handler<S> } = {
  fetch: (ctx, { itemId }, signal) => runFetchStage(ctx, itemId, signal),
  media: (ctx, { itemId }, signal) => runMediaStage(ctx, itemId, signal),
  expire: (ctx) => runExpiryJob(ctx),
  purge: (ctx) => runPurgeJob(ctx),
  ytdlpUpdate: runYtdlpUpdateJob,
};
