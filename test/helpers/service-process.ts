import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { startNode, type StartedProcess } from './processes.js';
export { freePort } from './free-port.js';

const run = promisify(execFile);

/**
 * The whole service as `npm start` runs it — compiled JavaScript from dist/, with no DATABASE_URL
 * or REDIS_URL, so it runs its own PostgreSQL and Redis in the given data folder — for tests of
 * the zero-configuration start, crashes and backups.
 */
export async function buildDist(): Promise<void> {
  await run(process.execPath, ['scripts/build.mjs', '--if-stale'], { maxBuffer: 1 << 24 });
}


/** The environment of a fresh machine: no URLs, so the embedded servers are used. */
export function zeroConfigEnv(dataDir: string, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn', ...extra };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.QUEUE_PREFIX;
  return env;
}

export interface ServiceProcess extends StartedProcess {
  base: string;
  dataDir: string;
}

export function startService(dataDir: string, port: number): ServiceProcess {
  return { ...startNode(['dist/src/main.js'], zeroConfigEnv(dataDir, port)), base: `http://127.0.0.1:${port}`, dataDir };
}

/** Resolves once the API answers; fails with the service's own output if it exits or takes too long. */
export async function waitUntilServing(svc: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let exited = false;
  void svc.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error(`the service exited while starting:\n${svc.output()}`);
    // This start's own API (not one left running by an earlier, killed start) must be the one answering.
    const procs = await processesOf(svc.dataDir).catch(() => undefined);
    const ours = procs !== undefined && procs.holder === svc.child.pid && procs.children.api !== undefined;
    const ok = ours && (await fetch(`${svc.base}/api/me`).then((r) => r.status === 401, () => false));
    if (ok) return;
    if (Date.now() > until) throw new Error(`the service did not start in time:\n${svc.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every process of the running set, from the lock file the service keeps in its data folder. */
export async function processesOf(dataDir: string): Promise<{ holder: number; children: Record<string, number> }> {
  const lock = JSON.parse(await readFile(path.join(dataDir, 'vetted.lock'), 'utf8')) as { holder: { pid: number }; children: Record<string, { pid: number }> };
  return { holder: lock.holder.pid, children: Object.fromEntries(Object.entries(lock.children).map(([k, v]) => [k, v.pid])) };
}

/** Alive and not a zombie (an orphan whose parent was killed may wait unreaped for a while). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** Signs in over HTTP (and acknowledges the reminder); returns the cookie header. */
export async function signInOverHttp(base: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const body = (await res.json()) as { reminderVersion: number };
  const ack = await fetch(`${base}/api/reminder/acknowledge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ version: body.reminderVersion }),
  });
  if (ack.status !== 200) throw new Error(`acknowledge failed: ${ack.status}`);
  return cookie;
}
