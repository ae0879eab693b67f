import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/**
 * A real S3 server for the tests: Ceph's object gateway (Debian's `ceph-mon`, `ceph-osd`, `radosgw`),
 * one monitor and one OSD keeping objects in memory, on loopback ports. It checks signatures like
 * AWS does (a fake such as s3rver accepts a wrong secret). Starting takes about 13 s and 330 MB, so
 * one gateway serves the whole test run: the first test file that needs it starts it under a lock,
 * the others wait for it; the run's global teardown stops it (see test/global-setup.ts).
 */
export interface Radosgw {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const READY = 'ready.json';
const LOCK = 'starting.lock';


function conf(dir: string, fsid: string, monPort: number, rgwPort: number): string {
  return `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
# With authentication off the messenger must be told to skip it too, or radosgw hangs for 300 s.
ms mon client mode = crc
ms client mode = crc
ms cluster mode = crc
ms service mode = crc
ms mon cluster mode = crc
ms mon service mode = crc
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
osd objectstore = memstore
memstore device bytes = 2147483648
osd crush chooseleaf type = 0
run dir = ${dir}/run
log file = ${dir}/log/$name.log
admin socket = ${dir}/run/$name.asok
pid file = ${dir}/run/$name.pid
mon data = ${dir}/mon
osd data = ${dir}/osd0
keyring = /dev/null
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
`;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > until) throw new Error(`radosgw: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function start(dir: string): Promise<Radosgw> {
  for (const sub of ['run', 'log', 'mon', 'osd0', 'rgw']) await mkdir(path.join(dir, sub), { recursive: true });
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const fsid = randomUUID();
  const cfg = path.join(dir, 'ceph.conf');
  await writeFile(cfg, conf(dir, fsid, monPort, rgwPort));
  const c = ['-c', cfg];
  await run('monmaptool', ['--create', '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, '--fsid', fsid, path.join(dir, 'monmap')]);
  await run('ceph-mon', [...c, '--mkfs', '-i', 'a', '--monmap', path.join(dir, 'monmap')]);
  await run('ceph-mon', [...c, '-i', 'a']);
  const osdUuid = randomUUID();
  await run('ceph', [...c, 'osd', 'new', osdUuid], { timeout: 60_000 });
  await run('ceph-osd', [...c, '-i', '0', '--mkfs', '--osd-uuid', osdUuid]);
  await run('ceph-osd', [...c, '-i', '0']);
  await run('radosgw', [...c, '-n', 'client.rgw']);
  const endpoint = `http://127.0.0.1:${rgwPort}`;
  await waitUntil(async () => (await fetch(endpoint)).ok, 90_000, 'the gateway to answer');
  const accessKeyId = `VT${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  await run('radosgw-admin', [...c, 'user', 'create', '--uid', 'vetted-test', '--display-name', 'Vetted tests', '--access-key', accessKeyId, '--secret', secretAccessKey], {
    timeout: 60_000,
  });
  return { endpoint, accessKeyId, secretAccessKey };
}

/**
 * The run's gateway, started by whichever test file asks first. `dir` is the run's folder (given by
 * the global setup), so two test runs on one machine never share or stop each other's gateway.
 */
export async function radosgw(dir: string): Promise<Radosgw> {
  const ready = path.join(dir, READY);
  const lock = path.join(dir, LOCK);
  for (;;) {
    if (existsSync(ready)) return JSON.parse(await readFile(ready, 'utf8')) as Radosgw;
    try {
      await mkdir(lock);
    } catch {
      // Another test file is starting it.
      await waitUntil(async () => existsSync(ready) || !existsSync(lock), 120_000, 'another test file to start it');
      continue;
    }
    try {
      if (existsSync(ready)) continue;
      const info = await start(path.join(dir, 'cluster'));
      await writeFile(`${ready}.part`, JSON.stringify(info));
      await rename(`${ready}.part`, ready);
      return info;
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
}

/** Stops the gateway of a run, if one was started (its daemons wrote pid files), and removes its files. */
export async function stopRadosgw(dir: string): Promise<void> {
  const runDir = path.join(dir, 'cluster', 'run');
  const pids: number[] = [];
  for (const f of await readdir(runDir).catch(() => [] as string[])) {
    if (!f.endsWith('.pid')) continue;
    const pid = Number((await readFile(path.join(runDir, f), 'utf8')).trim());
    if (Number.isInteger(pid) && pid > 1) pids.push(pid);
  }
  // Memory only: nothing to flush, and an OSD whose monitor is gone ignores SIGTERM.
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  await rm(dir, { recursive: true, force: true });
}
