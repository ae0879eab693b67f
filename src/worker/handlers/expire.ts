import type { WorkerContext } from '../context.js';
import { expireDue } from '../../services/expiry.js';

/** `expire` (every minute, src/worker/schedules.ts; an empty payload): approved items past their date leave the boards. */
export async function runExpiryJob(ctx: WorkerContext): Promise<'done' | 'skipped'> {
  const expired = await expireDue(ctx);
  return expired.length ? 'done' : 'skipped';
}
