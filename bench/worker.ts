/**
 * The worker the benchmark times the pipeline with: the service's own worker (`src/worker/main.ts`), started with the
 * media stage's checks on, or off with `--without-checks`, to measure the pipeline's own overhead against a bare
 * ffmpeg. An argument of this benchmark program only: the service has no way to run without its checks.
 */
import { loadConfig } from '../src/config.js';
import { startWorkers } from '../src/worker/runtime.js';
import { createWorkerContext } from '../src/worker/context.js';

const checks = !process.argv.includes('--without-checks');
const ctx = createWorkerContext(loadConfig());
const running = await startWorkers(ctx, {
  log: { info: (m) => console.log(`[bench worker] ${m}`), error: (m, e) => console.error(`[bench worker] ${m}`, e ?? '') },
  stages: { media: { checks } },
});
console.log('[bench worker] ready');
process.on('SIGTERM', () => {
  void running
    .close(1_000)
    .then(() => ctx.close())
    .then(() => process.exit(0));
});
