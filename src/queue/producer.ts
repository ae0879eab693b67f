import { Queue } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { VettedError } from '../domain/errors.js';
import { STAGES, jobIdFor, type ItemStage, type JobData, type JobPayloads, type Stage } from './jobs.js';

export interface QueueSettings {
  redisUrl: string;
  prefix: string;
  /** Overrides every stage's first retry delay (tests use a short one). */
  backoffMs?: number;
}

/**
 * The producer side used by the API and the reconciler. Its Redis connection fails fast: a
 * teacher's submit should get an answer, not hang while Redis is down.
 */
export function createProducer(settings: QueueSettings, opts: { failFast?: boolean } = {}) {
  const redisOptions: RedisOptions = opts.failFast
    ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3000 }
    : { maxRetriesPerRequest: null };
  const connection = new Redis(settings.redisUrl, redisOptions);
  connection.on('error', () => {
    /* reported per call below; ioredis reconnects by itself */
  });
  const queues = new Map<Stage, Queue<JobData>>();
  const metricsKey = `${settings.prefix}:metrics`;
  const queueFor = (stage: Stage) => {
    let q = queues.get(stage);
    if (!q) {
      q = new Queue<JobData>(STAGES[stage].queue, { connection, prefix: settings.prefix });
      queues.set(stage, q);
    }
    return q;
  };

  return {
    connection,
    queueFor,
    async enqueue(stage: ItemStage, itemId: string, generation: number): Promise<void> {
      const spec = STAGES[stage];
      try {
        await queueFor(stage).add(
          stage,
          { itemId },
          {
            jobId: jobIdFor(stage, itemId, generation),
            attempts: spec.attempts,
            backoff: { type: 'exponential', delay: settings.backoffMs || spec.backoffMs },
            removeOnComplete: true,
            removeOnFail: { age: 24 * 3600 },
          },
        );
      } catch (e) {
        throw new VettedError(
          'queue_unavailable',
          'The processing queue is not reachable just now. Your link is saved and will be processed once it is back.',
          { httpStatus: 503, transient: true },
        );
      }
    },
    /** The admin's "update yt-dlp now": one job a minute, whoever presses the button how often. */
    async enqueueYtdlpUpdateNow(): Promise<void> {
      await queueFor('ytdlpUpdate').add('ytdlpUpdate', { trigger: 'admin' } satisfies JobPayloads['ytdlpUpdate'], {
        jobId: `ytdlp-update-now-${Math.floor(Date.now() / 60_000)}`,
        attempts: 1,
        removeOnComplete: true,
        removeOnFail: { age: 24 * 3600 },
      });
    },
    /**
     * Job and encode counters shared by every worker process (kept in Redis beside the queues, so
     * any API process can report them at /metrics). Best effort: a lost increment is not an error.
     */
    recordJob(stage: Stage, outcome: JobOutcome): void {
      connection.hincrby(metricsKey, `jobs:${stage}:${outcome}`, 1).catch(() => undefined);
    },
    recordEncode(plan: string, seconds: number): void {
      connection
        .multi()
        .hincrbyfloat(metricsKey, `encode_seconds:${plan}`, seconds)
        .hincrby(metricsKey, `encodes:${plan}`, 1)
        .exec()
        .catch(() => undefined);
    },
    async readMetrics(): Promise<Record<string, number>> {
      const raw = await connection.hgetall(metricsKey);
      return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
    },
    async close(): Promise<void> {
      await Promise.all([...queues.values()].map((q) => q.close()));
      connection.disconnect();
    },
  };
}

export type Producer = ReturnType<typeof createProducer>;

/** How a job run ended: done or skipped (nothing owed), retried later, failed for good, or aborted at shutdown. */
export type JobOutcome = 'done' | 'skipped' | 'retried' | 'failed' | 'aborted';
