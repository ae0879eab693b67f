import { loadConfig } from '../config.js';
import { servicesForCommand } from '../platform/services.js';
import { createDb, ensureDatabase, migrateToLatest } from './database.js';

const services = await servicesForCommand(loadConfig());
try {
  await ensureDatabase(services.databaseUrl);
  const db = createDb(services.databaseUrl, 1);
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'The database is up to date.');
  } finally {
    await db.destroy();
  }
} finally {
  await services.stop();
}
