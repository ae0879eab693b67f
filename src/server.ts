import { buildApp } from './app.js';
import { listen } from './http/listen.js';
import { loadConfig } from './config.js';
import { createApiContext } from './api-context.js';
import { requireServersFor } from './platform/services.js';
import { createDb, ensureDatabase, migrateToLatest } from './db/database.js';

/** The API process: migrates, listens, closes gracefully. It starts no workers. */
async function startApi() {
  const config = loadConfig();
  await requireServersFor(config, 'The API process alone');
  if (!config.skipMigrate) {
    await ensureDatabase(config.databaseUrl);
    const db = createDb(config.databaseUrl, 1);
    await migrateToLatest(db).finally(() => db.destroy());
  }
  const ctx = createApiContext(config, { role: 'api' });
  const app = await buildApp(ctx, { logger: { level: config.logLevel } });
  await listen(app, config);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.close();
    await ctx.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  return app;
}

await startApi().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
