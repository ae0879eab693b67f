import type { AppContext } from '../api-context.js';

export type Part = 'database' | 'redis' | 'storage';
export interface Readiness {
  ready: boolean;
  checks: Record<Part, 'ok' | 'failing'>;
  failing: Part[];
}

const TIMEOUT_MS = 2000;

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref())]);
}

/**
 * Whether this process can do its work: the database, Redis and the media store each answer
 * within two seconds. Checked in parallel, so a hung part costs two seconds, not six.
 */
export async function checkReadiness(ctx: AppContext): Promise<Readiness> {
  const stats = ctx.repos.opsStats;
  const probes: Record<Part, () => Promise<unknown>> = {
    database: () => stats.ping(),
    redis: () => ctx.producer.connection.ping(),
    storage: () => ctx.store.ping(),
  };
  const parts = Object.keys(probes) as Part[];
  const results = await Promise.allSettled(parts.map((p) => within(probes[p](), TIMEOUT_MS)));
  const checks = Object.fromEntries(parts.map((p, i) => [p, results[i]!.status === 'fulfilled' ? 'ok' : 'failing'])) as Readiness['checks'];
  const failing = parts.filter((p) => checks[p] === 'failing');
  return { ready: failing.length === 0, checks, failing };
}
