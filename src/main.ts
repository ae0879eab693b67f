import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.js';
import { createDb, ensureDatabase, migrateToLatest } from './db/database.js';

/**
 * `npm start`: migrate once, then run the API and one worker as child processes. A school that
 * needs more workers runs `npm run start:worker` elsewhere. If either child dies, everything stops
 * so the service manager (systemd, Docker) restarts the whole set cleanly.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const config = loadConfig();
await ensureDatabase(config.databaseUrl);
const db = createDb(config.databaseUrl, 1);
const applied = await migrateToLatest(db).finally(() => db.destroy());
if (applied.length) console.log(`Applied migrations: ${applied.join(', ')}`);

const tsx = path.resolve(here, '../node_modules/.bin/tsx');
const env = { ...process.env, VETTED_SKIP_MIGRATE: '1' };
const children: ChildProcess[] = [
  spawn(tsx, [path.join(here, 'server.ts')], { stdio: 'inherit', env }),
  spawn(tsx, [path.resolve(here, '../workers/worker.ts')], { stdio: 'inherit', env }),
];
console.log(`Vetted is starting at ${config.publicUrl}`);

let stopping = false;
function stopAll(signal: NodeJS.Signals, code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill(signal);
  const force = setTimeout(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  }, 30_000);
  force.unref();
  Promise.all(children.map((c) => (c.exitCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r))))).then(() =>
    process.exit(code),
  );
}
for (const c of children) c.on('exit', (code) => !stopping && stopAll('SIGTERM', code ?? 1));
process.on('SIGTERM', () => stopAll('SIGTERM'));
process.on('SIGINT', () => stopAll('SIGTERM'));
