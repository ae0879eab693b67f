import { loadConfig } from '../config.js';
import { createDb, ensureDatabase, migrateToLatest } from './database.js';

const config = loadConfig();
await ensureDatabase(config.databaseUrl);
const db = createDb(config.databaseUrl, 1);
try {
  const applied = await migrateToLatest(db);
  console.log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'The database is up to date.');
} finally {
  await db.destroy();
}
