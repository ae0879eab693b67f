import type { AppContext } from '../api-context.js';
import type { ItemRow } from '../db/schema.js';

/** Where a service notes what went wrong without failing the request (a route passes its request's logger). */
export interface ServiceLog {
  warn(obj: object, msg: string): void;
}

/**
 * Queues the fetch of an item's current generation. The row is the truth: if Redis is down now, the reconciler
 * enqueues the item once it is back, so a failure here is logged, not thrown (the teacher's request succeeded).
 */
export async function queueFetch(ctx: AppContext, item: Pick<ItemRow, 'id' | 'media_generation'>, log: ServiceLog): Promise<void> {
  await ctx.producer.enqueue('fetch', item.id, item.media_generation).catch((e: unknown) => log.warn({ err: e }, 'enqueue failed; the reconciler will retry'));
}
