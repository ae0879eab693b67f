import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStorage } from '../../src/services/storage-check.js';
import { untilSettled } from '../helpers/desk.js';
import { fixturesDir, makeFixture } from '../helpers/fixtures-media.js';
import { serveFile, startFixtureServer } from '../helpers/fixture-server.js';
import { addStaff, childEnv, createTestEnv, waitFor, type TestEnv } from '../helpers/harness.js';
import { startTypeScript, untilOutput, type StartedProcess } from '../helpers/processes.js';
import { bucketKeys } from '../helpers/s3.js';
import { freePort } from '../helpers/free-port.js';

// Many hosts: two API processes and two worker processes, each with its own DATA_DIR (its scratch),
// sharing one Postgres, one Redis and one S3 bucket (Ceph's gateway) — as a local authority would run
// Vetted for many schools. Real child processes, started the way production starts them.
let t: TestEnv;
let site: Awaited<ReturnType<typeof startFixtureServer>>;
const children = new Set<ChildProcess>();
let apis: Api[];
let workers: Worker[];
let cookie: string;
let playlistId: string;
let boardToken: string;

interface Api extends StartedProcess {
  url: string;
}
interface Worker extends StartedProcess {
  dataDir: string;
}

function start(script: string, env: Record<string, string>): StartedProcess {
  const p = startTypeScript(script, childEnv(t, { LOG_LEVEL: 'warn', ...env }));
  children.add(p.child);
  void p.exited.then(() => children.delete(p.child));
  return p;
}

async function startWorker(name: string, dataDir?: string): Promise<Worker> {
  const dir = dataDir ?? (await mkdtemp(path.join(t.dataDir, `${name}-`)));
  const w = { ...start('src/worker/main.ts', { DATA_DIR: dir }), dataDir: dir };
  await untilOutput(w, '[worker] ready').catch((e: Error) => {
    throw new Error(`worker ${name}: ${e.message}`);
  });
  return w;
}

async function startApi(name: string): Promise<Api> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dir = await mkdtemp(path.join(t.dataDir, `${name}-`));
  const api = { ...start('src/server.ts', { DATA_DIR: dir, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url }), url };
  await waitFor(async () => {
    if (api.child.exitCode !== null) throw new Error(`API ${name} exited: ${api.output()}`);
    return (await fetch(`${url}/healthz`).catch(() => undefined))?.ok ?? false;
  }, 60_000, 100);
  return api;
}

async function call(api: Api, method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${api.url}${url}`, {
    method,
    headers: { ...(cookie ? { cookie } : {}), ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: () => JSON.parse(text), headers: res.headers, text };
}

/** A server-sent event stream, read as it arrives. */
function events(url: string) {
  const ctrl = new AbortController();
  const got: Array<{ event: string; data: string }> = [];
  const done = (async () => {
    const res = await fetch(url, { headers: { cookie }, signal: ctrl.signal });
    if (!res.ok || !res.body) throw new Error(`stream ${url}: ${res.status}`);
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body) {
      buf += decoder.decode(chunk as Uint8Array, { stream: true });
      for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = [...block.matchAll(/^data: (.*)$/gm)].map((m) => m[1]).join('\n');
        if (data) got.push({ event, data });
      }
    }
  })().catch((e: Error) => {
    if (e.name !== 'AbortError') throw e;
  });
  return { got, done, close: () => ctrl.abort() };
}

beforeAll(async () => {
  t = await createTestEnv({ STORAGE: 's3', JOB_BACKOFF_MS: '100', JOB_LOCK_MS: '2000' });
  await addStaff(t, 'teacher@school.test');
  const fixtures = await fixturesDir(t);
  const quick = await makeFixture('vp9', path.join(fixtures, 'quick.webm'), { seconds: 2 });
  // Long and large enough that its transcode takes several seconds on two cores.
  const slow = await makeFixture('vp9', path.join(fixtures, 'slow.webm'), { seconds: 20, width: 960, height: 540 });
  const routes: Record<string, ReturnType<typeof serveFile>> = { '/slow.webm': serveFile(slow, 'video/webm') };
  for (let i = 0; i < 6; i++) routes[`/clip-${i}.webm`] = serveFile(quick, 'video/webm');
  site = await startFixtureServer(routes);
  [apis, workers] = await Promise.all([
    Promise.all([startApi('api-a'), startApi('api-b')]),
    Promise.all([startWorker('worker-a'), startWorker('worker-b')]),
  ]);
  // Signed in on one API, the session works on the other: sessions live in Postgres.
  const login = await call(apis[0]!, 'POST', '/api/login', { email: 'teacher@school.test', password: 'correct horse battery' });
  expect(login.status).toBe(200);
  cookie = /vetted_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];
  const ack = await call(apis[1]!, 'POST', '/api/reminder/acknowledge', { version: login.json().reminderVersion });
  expect(ack.status).toBe(200);
  const cls = (await call(apis[1]!, 'POST', '/api/classes', { name: 'Robins' })).json();
  boardToken = cls.board.token;
  playlistId = (await call(apis[0]!, 'POST', '/api/playlists', { classId: cls.id, name: 'Minibeasts', kind: 'videos' })).json().id;
}, 180_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await site?.close();
  await t?.cleanup();
});

const itemOn = async (api: Api, id: string) => (await call(api, 'GET', `/api/items/${id}`)).json();
const settled = (id: string, timeoutMs = 90_000) => untilSettled(() => itemOn(apis[0]!, id), timeoutMs);

describe('two APIs and two workers on one database, queue and bucket', () => {
  const ids: string[] = [];

  it('spreads jobs over both workers, and either API streams every change', async () => {
    const streams: Array<ReturnType<typeof events>> = [];
    for (let i = 0; i < 6; i++) {
      const api = apis[i % 2]!;
      const res = await call(api, 'POST', '/api/items', { url: site.url(`/clip-${i}.webm`), playlistId });
      expect(res.status).toBe(202);
      const id = res.json().id as string;
      ids.push(id);
      // Each item's progress, watched on both APIs.
      for (const a of apis) streams.push(events(`${a.url}/api/items/${id}/events`));
    }
    for (const id of ids) expect((await settled(id)).status).toBe('awaiting_review');
    // Each stream ends by itself once its item settles, whichever process did the work.
    await Promise.all(streams.map((s) => s.done));
    for (const s of streams) {
      const statuses = s.got.filter((e) => e.event === 'item').map((e) => JSON.parse(e.data).status as string);
      expect(statuses.at(-1)).toBe('awaiting_review');
    }
    // A worker logs a job after its item has changed status: wait for the lines to arrive.
    const doneBy = () => workers.map((w) => ids.filter((id) => w.output().includes(`media done for item ${id}`)).length);
    await waitFor(async () => doneBy()[0]! + doneBy()[1]! === 6, 15_000, 50).catch(() => undefined);
    const [a, b] = doneBy();
    expect(a! + b!).toBe(6);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
  }, 180_000);

  it('a board open on either API sees approvals made on the other', async () => {
    const boards = apis.map((a) => events(`${a.url}/api/board/${boardToken}/events`));
    try {
      for (const [i, id] of ids.entries()) {
        const res = await call(apis[(i + 1) % 2]!, 'POST', `/api/items/${id}/approve`, { acknowledge: ['watched_elsewhere'] });
        expect(res.status).toBe(200);
      }
      for (const b of boards) {
        await waitFor(async () => {
          const last = b.got.filter((e) => e.event === 'board').at(-1);
          if (!last) return false;
          const shown = (JSON.parse(last.data).playlists as Array<{ items: Array<{ id: string }> }>).flatMap((p) => p.items.map((x) => x.id));
          return shown.length === ids.length && ids.every((id) => shown.includes(id));
        }, 20_000, 100);
      }
      // And either API serves the media from the bucket, by Range.
      const item = await itemOn(apis[1]!, ids[0]!);
      const part = await fetch(`${apis[0]!.url}${item.media.video}`, { headers: { cookie, range: 'bytes=0-99' } });
      expect(part.status).toBe(206);
      expect((await part.arrayBuffer()).byteLength).toBe(100);
    } finally {
      for (const b of boards) b.close();
    }
  }, 60_000);

  it('a worker killed with SIGKILL mid-transcode: the other finishes the job, from the source in the bucket', async () => {
    const res = await call(apis[0]!, 'POST', '/api/items', { url: site.url('/slow.webm'), playlistId });
    const id = res.json().id as string;
    ids.push(id);
    // The transcode has started on one of them: its scratch folder is on that worker's disk.
    const busy = await waitFor(async () => {
      const item = await itemOn(apis[1]!, id);
      if (item.status !== 'processing' || item.progress < 5) return undefined;
      return workers.find((w) => existsSync(path.join(w.dataDir, 'work', id, 'media')));
    }, 60_000, 50);
    const other = workers.find((w) => w !== busy)!;
    busy.child.kill('SIGKILL');
    await busy.exited;
    expect((await itemOn(apis[0]!, id)).status).toBe('processing');

    const done = await settled(id, 120_000);
    expect(done.status).toBe('awaiting_review');
    expect(done.durationSeconds).toBeGreaterThan(19);
    await waitFor(async () => other.output().includes(`media done for item ${id}`), 15_000, 50).catch(() => undefined);
    expect(other.output()).toContain(`media done for item ${id}`);

    // The killed worker's scratch is swept when it comes back.
    expect(existsSync(path.join(busy.dataDir, 'work', id))).toBe(true);
    const back = await startWorker('worker-again', busy.dataDir);
    workers[workers.indexOf(busy)] = back;
    expect(await readdir(path.join(busy.dataDir, 'work'))).toEqual([]);
  }, 180_000);

  it('leaves nothing orphaned: the bucket holds exactly the published media of each item', async () => {
    const expected: string[] = [];
    for (const id of ids) {
      const row = (await t.ctx.repos.items.get(id))!;
      const names = Object.values(row.media as Record<string, string | string[]>).flat();
      expect(names).toEqual(expect.arrayContaining(['video.mp4', 'poster.jpg', 'thumbnail.jpg']));
      for (const name of names) expected.push(`media/${id}/${row.media_generation}/${name}`);
    }
    expect(await bucketKeys(t.s3!.gateway, t.s3!.bucket)).toEqual(expected.sort());
    expect(await checkStorage(t.ctx)).toEqual({ filesWithoutItem: [], itemsWithMissingFiles: [] });
    for (const w of workers) expect(await readdir(path.join(w.dataDir, 'work')).catch(() => [])).toEqual([]);

    // They all stop cleanly on SIGTERM.
    for (const p of [...apis, ...workers]) p.child.kill('SIGTERM');
    expect(await Promise.all([...apis, ...workers].map((p) => p.exited))).toEqual([0, 0, 0, 0]);
  }, 60_000);
});
