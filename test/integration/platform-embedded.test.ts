import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startNode } from '../helpers/processes.js';
import {
  buildDist,
  freePort,
  isRunning,
  processesOf,
  signInOverHttp,
  startService,
  waitUntilServing,
  zeroConfigEnv,
  type ServiceProcess,
} from '../helpers/service-process.js';

/**
 * Zero-configuration start, end to end: `npm start`'s compiled code with no DATABASE_URL and no
 * REDIS_URL runs its own PostgreSQL and Redis in a fresh data folder; what was written survives a
 * clean stop, a kill -9 of the supervisor alone (its children left running) and a kill -9 of every
 * process; a second instance on the same folder is refused.
 */
let dataDir: string;
let port: number;
const running: ServiceProcess[] = [];
const PASSWORD = 'a long memorable sentence';

beforeAll(async () => {
  await buildDist();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'vetted-zero-'));
  port = await freePort();
}, 180_000);

afterAll(async () => {
  for (const svc of running) if (svc.child.exitCode === null) svc.child.kill('SIGTERM');
  await Promise.all(running.map((s) => s.exited));
  const left = await processesOf(dataDir).catch(() => undefined);
  if (left) for (const pid of [left.holder, ...Object.values(left.children)]) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

function start(): ServiceProcess {
  const svc = startService(dataDir, port);
  running.push(svc);
  return svc;
}

async function classNames(cookie: string, base = `http://127.0.0.1:${port}`): Promise<string[]> {
  const res = await fetch(`${base}/api/classes`, { headers: { cookie } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { classes: Array<{ name: string }> } | Array<{ name: string }>;
  return (Array.isArray(body) ? body : body.classes).map((c) => c.name).sort();
}

async function addClass(cookie: string, name: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/api/classes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ name }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function pairingCode(cookie: string, classId: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/api/classes/${classId}/pairing`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: '{}' });
  expect(res.status).toBe(201);
  return ((await res.json()) as { code: string }).code;
}

describe('npm start with nothing configured', () => {
  it('runs its own PostgreSQL and Redis, keeps the data through stops and kill -9, and refuses a second instance', async () => {
    // First start: the cluster is created; the CLI finds the running servers through the lock.
    let svc = start();
    await waitUntilServing(svc, 90_000);
    expect((await stat(path.join(dataDir, 'postgres', 'PG_VERSION'))).isFile()).toBe(true);
    const procs = await processesOf(dataDir);
    expect(Object.keys(procs.children).sort()).toEqual(['api', 'postgres', 'redis', 'worker']);
    // No TCP port: PostgreSQL's only listener is the socket in the data folder.
    expect(svc.output()).toContain(`listening on Unix socket "${path.join(dataDir, 'postgres', '.s.PGSQL.5432')}"`);
    expect(svc.output()).not.toMatch(/listening on IPv[46] address/);

    const env = zeroConfigEnv(dataDir, port);
    const added = await cli(env, ['user', 'add', '--email', 'head@school.test', '--password', PASSWORD, '--role', 'admin']);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    let cookie = await signInOverHttp(svc.base, 'head@school.test', PASSWORD);
    const robins = await addClass(cookie, 'Robins');

    // A second instance on the same data folder is refused with a sentence, and the first keeps running.
    const second = startService(dataDir, await freePort());
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/Another Vetted \(process \d+\) is already running on the data folder/);
    expect(isRunning(procs.holder)).toBe(true);

    // Clean stop: everything ends, the lock is released.
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
    for (const pid of Object.values(procs.children)) expect(isRunning(pid)).toBe(false);
    await expect(stat(path.join(dataDir, 'vetted.lock'))).rejects.toThrow();

    // kill -9 of the supervisor alone: its children keep running; the next start stops them first.
    svc = start();
    await waitUntilServing(svc);
    cookie = await signInOverHttp(svc.base, 'head@school.test', PASSWORD);
    expect(await classNames(cookie)).toEqual(['Robins']);
    await addClass(cookie, 'Wrens');
    const orphans = await processesOf(dataDir);
    svc.child.kill('SIGKILL');
    await svc.exited;
    expect(isRunning(orphans.children.postgres!)).toBe(true);
    svc = start();
    await waitUntilServing(svc, 90_000);
    for (const pid of Object.values(orphans.children)) expect(isRunning(pid)).toBe(false);

    // kill -9 of every process at once (a power cut, an OOM killer): committed rows and the Redis
    // data (append-only, fsync every second) survive.
    cookie = await signInOverHttp(svc.base, 'head@school.test', PASSWORD);
    expect(await classNames(cookie)).toEqual(['Robins', 'Wrens']);
    await addClass(cookie, 'Owls');
    const code = await pairingCode(cookie, robins); // pairing codes live in Redis
    await new Promise((r) => setTimeout(r, 1500));
    const all = await processesOf(dataDir);
    for (const pid of [all.holder, ...Object.values(all.children)]) process.kill(pid, 'SIGKILL');
    await svc.exited;

    svc = start();
    await waitUntilServing(svc, 90_000);
    cookie = await signInOverHttp(svc.base, 'head@school.test', PASSWORD);
    expect(await classNames(cookie)).toEqual(['Owls', 'Robins', 'Wrens']);
    const paired = await fetch(`${svc.base}/api/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    expect(paired.status).toBe(200);

    // A backup while the service runs (pg_dump over the embedded server's socket), restored into a
    // fresh data folder: the CLI starts a server of its own there for the restore, then the
    // service starts on it with everything in place.
    const archive = path.join(dataDir, '..', `${path.basename(dataDir)}-backup.tar`);
    const made = await cli(env, ['backup', '--out', archive]);
    expect(made.stderr).toBe('');
    expect(made.stdout).toContain('3 classes');
    const copyDir = await mkdtemp(path.join(os.tmpdir(), 'vetted-zero-copy-'));
    const copyPort = await freePort();
    try {
      const restored = await cli(zeroConfigEnv(copyDir, copyPort), ['restore', '--from', archive]);
      expect(restored.stderr).toBe('');
      expect(restored.code).toBe(0);
      const copy = startService(copyDir, copyPort);
      running.push(copy);
      await waitUntilServing(copy, 90_000);
      const copyCookie = await signInOverHttp(copy.base, 'head@school.test', PASSWORD);
      expect(await classNames(copyCookie, copy.base)).toEqual(['Owls', 'Robins', 'Wrens']);
      copy.child.kill('SIGTERM');
      expect(await copy.exited).toBe(0);
    } finally {
      await rm(copyDir, { recursive: true, force: true });
      await rm(archive, { force: true });
    }

    // A server that dies under the service stops the whole set (exit 1), so the service manager
    // restarts it cleanly; nothing is left running.
    const last = await processesOf(dataDir);
    process.kill(last.children.redis!, 'SIGKILL');
    expect(await svc.exited).toBe(1);
    expect(svc.output()).toContain('stopping everything');
    for (const pid of Object.values(last.children)) expect(isRunning(pid)).toBe(false);
    await expect(stat(path.join(dataDir, 'vetted.lock'))).rejects.toThrow();
  }, 300_000);

  it('says what to do when the API is started alone with no URLs and nothing running', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'vetted-alone-'));
    try {
      const api = startNode(['dist/src/server.js'], zeroConfigEnv(empty, 1));
      expect(await api.exited).toBe(1);
      expect(api.output()).toContain('starts no database or Redis of its own. Set DATABASE_URL and REDIS_URL, or run "npm start"');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  }, 60_000);
});
