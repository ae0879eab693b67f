import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childProcessEnv, loadConfig } from './config.js';
import { ensureDatabase, createDb, migrateToLatest } from './db/database.js';
import { compiled, projectRoot } from './platform/paths.js';
import { startServices, type RunningServices } from './platform/services.js';
import { WORKER_NODE_FLAGS } from './worker/node-flags.js';

/**
 * `npm start`: with no DATABASE_URL / REDIS_URL, start Vetted's own PostgreSQL and Redis (see
 * `src/platform/`); migrate once; then run the API and one worker as child processes. A school
 * that needs more workers runs `npm run start:worker` elsewhere. If any child dies — API, worker,
 * database or Redis — everything stops in order and the process exits non-zero, so the service
 * manager (systemd, Docker) restarts the whole set cleanly.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const config = loadConfig();

async function prepare(): Promise<RunningServices> {
  const started = await startServices(config);
  try {
    await ensureDatabase(started.databaseUrl);
    const db = createDb(started.databaseUrl, 1);
    const applied = await migrateToLatest(db).finally(() => db.destroy());
    if (applied.length) console.log(`Applied migrations: ${applied.join(', ')}`);
    return started;
  } catch (e) {
    await started.stop().catch(() => undefined);
    throw e;
  }
}
const services = await prepare().catch((e: unknown) => {
  console.error(`Vetted could not start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});

// Compiled (npm start): plain node runs the JavaScript in dist/. From source (tsx src/main.ts): tsx.
const ext = compiled ? '.js' : '.ts';
const runner = compiled ? process.execPath : path.join(projectRoot(), 'node_modules', '.bin', 'tsx');
const runnerArgs = compiled ? ['--enable-source-maps'] : [];
const env = childProcessEnv(services);
const children: Array<{ name: string; child: ChildProcess }> = [
  { name: 'api', child: spawn(runner, [...runnerArgs, path.join(here, `server${ext}`)], { stdio: 'inherit', env }) },
  { name: 'worker', child: spawn(runner, [...runnerArgs, ...WORKER_NODE_FLAGS, path.join(here, 'worker', `main${ext}`)], { stdio: 'inherit', env }) },
];
for (const { name, child } of children) await services.lock?.recordChild(name, child.pid);
console.log(`Vetted is starting at ${config.publicUrl}`);

let stopping = false;
async function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
  const force = setTimeout(() => {
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
  }, 30_000);
  force.unref();
  await Promise.all(children.map(({ child }) => (child.exitCode !== null ? undefined : new Promise((r) => child.once('exit', r)))));
  // The database and Redis go last: the API and worker finish their work with them first.
  await services.stop().catch((e) => console.error(`[vetted] stopping the servers: ${e instanceof Error ? e.message : e}`));
  process.exit(code);
}
for (const { name, child } of children) {
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[vetted] the ${name} process ${signal ? `was stopped by ${signal}` : `exited with code ${code}`}; stopping everything`);
    void stopAll(code || 1);
  });
}
void services.unexpectedExit.then((how) => {
  console.error(`[vetted] ${how}; stopping everything`);
  void stopAll(1);
});
process.on('SIGTERM', () => void stopAll(0));
process.on('SIGINT', () => void stopAll(0));
