import { loadConfig } from '../config.js';
import { createWorkerContext } from './context.js';
import { createDb, ensureDatabase, migrateToLatest } from '../db/database.js';
import { requireServersFor } from '../platform/services.js';
import { startWorkers } from './runtime.js';

/** The worker process: runs the fetch and media stages. Start as many as the school's machines allow. */
const config = loadConfig();
const log = {
  info: (m: string) => console.log(`[worker] ${m}`),
  error: (m: string, e?: unknown) => console.error(`[worker] ${m}`, e instanceof Error ? e.message : (e ?? '')),
};

await requireServersFor(config, 'A worker process alone').catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
if (!config.skipMigrate) {
  await ensureDatabase(config.databaseUrl);
  const db = createDb(config.databaseUrl, 1);
  await migrateToLatest(db).finally(() => db.destroy());
}
const ctx = createWorkerContext(config);
const running = await startWorkers(ctx, { log });
log.info('ready');

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info(`${signal}: finishing current work`);
  await running.close(config.shutdownGraceMs);
  await ctx.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
