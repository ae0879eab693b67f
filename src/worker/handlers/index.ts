import type { WorkerContext } from '../context.js';
import type { JobPayloads, Stage } from '../../queue/jobs.js';
import { runFetchStage } from '../stages/fetch.js';
import { runMediaStage, type MediaStageOptions } from '../stages/media.js';
import { runExpiryJob } from './expire.js';
import { runPurgeJob } from './purge.js';
import { runYtdlpUpdateJob } from './ytdlp-update.js';

/** How the stages run: the service always uses the defaults; the benchmark may run the media stage without checks. */
export interface StageOptions {
  media?: MediaStageOptions;
}

export type Handler<S extends Stage> = (ctx: WorkerContext, data: JobPayloads[S], signal: AbortSignal, options?: StageOptions) => Promise<'done' | 'skipped'>;

/**
 * Every job name has exactly one handler, typed by its own payload; `startWorkers` refuses to start otherwise. An
 * item's stages are in ../stages/, the housekeeping jobs one file each beside this one.
 */
export const HANDLERS: { [S in Stage]: Handler<S> } = {
  fetch: (ctx, { itemId }, signal) => runFetchStage(ctx, itemId, signal),
  media: (ctx, { itemId }, signal, options) => runMediaStage(ctx, itemId, signal, options?.media),
  expire: (ctx) => runExpiryJob(ctx),
  purge: (ctx) => runPurgeJob(ctx),
  ytdlpUpdate: runYtdlpUpdateJob,
};
