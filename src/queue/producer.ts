import { Queue } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { VettedError } from '../domain/errors.js';
import { STAGES, jobIdFor, type ItemJobData, type Stage } from './jobs.js';

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
  const queues = new Map<Stage, Queue<ItemJobData>>();
  const queueFor = (stage: Stage) => {
    let q = queues.get(stage);
    if (!q) {
      q = new Queue<ItemJobData>(STAGES[stage].queue, { connection, prefix: settings.prefix });
      queues.set(stage, q);
    }
    return q;
  };

  return {
    connection,
    queueFor,
    async enqueue(stage: Stage, itemId: string, generation: number): Promise<void> {
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
    async close(): Promise<void> {
      await Promise.all([...queues.values()].map((q) => q.close()));
      connection.disconnect();
    },
  };
}

export type Producer = ReturnType<typeof createProducer>;
