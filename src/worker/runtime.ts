import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { WorkerContext } from './context.js';
import { STAGES, STAGE_NAMES, isItemStage, type JobData, type JobPayloads, type Stage } from '../queue/jobs.js';
import { HANDLERS, type Handler, type StageOptions } from './handlers/index.js';
import { settleFailure } from './outcome.js';
import { reconcile, reconcileItem, sweepWorkFolders } from './reconciler.js';
import { scheduleGovernanceJobs, scheduleYtdlpUpdate } from './schedules.js';

/** Runs a job with its stage's handler; the queue's name tells which payload the job carries. */
const runHandler = (stage: Stage, ctx: WorkerContext, data: JobData, signal: AbortSignal, options: StageOptions) =>
  (HANDLERS[stage] as Handler<Stage>)(ctx, data as never, signal, options);

/** What a log line says a job was for. */
const subjectOf = (stage: Stage, data: JobData) => (isItemStage(stage) ? `item ${(data as JobPayloads[typeof stage]).itemId}` : 'housekeeping');

export interface WorkerLogger {
  info(msg: string): void;
  error(msg: string, err?: unknown): void;
}

export interface RunningWorkers {
  close(graceMs?: number): Promise<void>;
  reconcileNow(): Promise<number>;
}

export async function startWorkers(
  ctx: WorkerContext,
  opts: { log: WorkerLogger; reconcileEveryMs?: number; stalledIntervalMs?: number; stages?: StageOptions },
): Promise<RunningWorkers> {
  for (const stage of STAGE_NAMES) {
    if (typeof HANDLERS[stage] !== 'function') throw new Error(`no handler for stage ${stage}`);
  }
  const { log } = opts;
  // Workers block on Redis; BullMQ needs maxRetriesPerRequest: null on their connection.
  const connection = new Redis(ctx.config.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', (e) => log.error('redis connection error', e));
  const inFlight = new Set<AbortController>();
  // When an item's job has ended (and so no longer holds its id), the item is checked for the job it is owed: an
  // add that met the ending job under the same id was dropped by BullMQ. Kept here so close() waits for them.
  const endChecks = new Set<Promise<unknown>>();
  const checkItemAfter = (itemId: string) => {
    const check: Promise<unknown> = reconcileItem(ctx, itemId, (m) => log.info(m))
      .catch((e) => log.error(`check of item ${itemId} after its job failed`, e))
      .finally(() => endChecks.delete(check));
    endChecks.add(check);
  };

  const workers = STAGE_NAMES.map((stage) => {
    const spec = STAGES[stage];
    const worker = new Worker<JobData>(
      spec.queue,
      async (job: Job<JobData>) => {
        const abort = new AbortController();
        inFlight.add(abort);
        try {
          const started = Date.now();
          const outcome = await runHandler(stage, ctx, job.data, abort.signal, opts.stages ?? {});
          log.info(`${stage} ${outcome} for ${subjectOf(stage, job.data)} in ${Date.now() - started} ms`);
          ctx.producer.recordJob(stage, outcome);
          return outcome;
        } catch (e) {
          const final = e instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? spec.attempts);
          ctx.producer.recordJob(stage, abort.signal.aborted ? 'aborted' : final ? 'failed' : 'retried');
          if (!isItemStage(stage)) {
            // Housekeeping marks no item failed: BullMQ retries it, and the next scheduled run comes anyway.
            if (!abort.signal.aborted) log.error(`${stage}: unexpected error`, e);
            throw e;
          }
          const { itemId } = job.data as JobPayloads[typeof stage];
          // A permanent failure leaves nothing behind; a retry starts its scratch folder afresh anyway.
          return await settleFailure(
            ctx.repos.items,
            itemId,
            e,
            { made: job.attemptsMade, max: job.opts.attempts ?? spec.attempts, retryInMs: nextRetryMs(job) },
            (m, err) => log.error(m, err),
            () => ctx.store.removeWork(itemId),
          );
        } finally {
          inFlight.delete(abort);
        }
      },
      {
        connection,
        prefix: ctx.config.queuePrefix,
        concurrency: ctx.config.workerConcurrency,
        lockDuration: ctx.config.jobLockMs,
        stalledInterval: opts.stalledIntervalMs ?? ctx.config.jobLockMs,
        maxStalledCount: 2,
      },
    );
    worker.on('failed', (job, err) => log.info(`${stage} job ${job?.id} failed: ${err.message}`));
    if (isItemStage(stage)) worker.on('completed', (job) => checkItemAfter((job.data as JobPayloads[typeof stage]).itemId));
    worker.on('error', (err) => log.error(`${stage} worker error`, err));
    return worker;
  });

  await sweepWorkFolders(ctx).catch((e) => log.error('sweep of work folders failed', e));
  await scheduleGovernanceJobs(ctx).catch((e) => log.error('scheduling the expiry and purge jobs failed', e));
  await scheduleYtdlpUpdate(ctx).catch((e) => log.error('scheduling the yt-dlp update failed', e));
  const reconcileNow = () => reconcile(ctx, (m) => log.info(m));
  await reconcileNow().catch((e) => log.error('reconciler failed', e));
  const timer = setInterval(() => {
    reconcileNow().catch((e) => log.error('reconciler failed', e));
  }, opts.reconcileEveryMs ?? 60_000);
  timer.unref();

  return {
    reconcileNow,
    /**
     * Stops taking jobs and lets running ones finish for `graceMs`; then aborts them (ffmpeg is
     * killed, scratch files removed) so the jobs run again after a restart. worker.close() alone
     * would wait for ever on a long transcode.
     */
    async close(graceMs = 10_000) {
      clearInterval(timer);
      const closing = Promise.all(workers.map((w) => w.close()));
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
      if ((await Promise.race([closing, timeout])) === 'timeout') {
        for (const a of inFlight) a.abort();
        await Promise.race([closing, new Promise((r) => setTimeout(r, 5_000).unref())]);
      }
      await Promise.all(workers.map((w) => w.close(true).catch(() => undefined)));
      await Promise.all(endChecks);
      connection.disconnect();
    },
  };
}

/** When BullMQ will run the job again after this failure (exponential backoff: delay × 2^failures so far). */
function nextRetryMs(job: Job<JobData>): number | undefined {
  const b = job.opts.backoff;
  if (typeof b === 'number') return b;
  if (!b?.delay) return undefined;
  return b.type === 'exponential' ? b.delay * 2 ** job.attemptsMade : b.delay;
}
