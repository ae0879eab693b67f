import { startWorkers, type RunningWorkers } from '../../src/worker/runtime.js';
import type { TestEnv } from './harness.js';

/**
 * The worker's runtime inside the test's own process, on the test's environment: quiet, and with its reconciler
 * out of the way for the file's run (a test that means to reconcile calls `reconcileNow()`).
 */
export function startTestWorkers(t: TestEnv): Promise<RunningWorkers> {
  return startWorkers(t.ctx, { log: { info: () => {}, error: () => {} }, reconcileEveryMs: 3_600_000 });
}
