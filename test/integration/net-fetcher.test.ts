import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { VettedError } from '../../src/domain/errors.js';
import {
  downloadToFile,
  fetchBuffer,
  guardedRequest,
  policyFromConfig,
  type FetchPolicy,
} from '../../src/net/fetcher.js';

// Only loopback fixtures: this machine forbids traffic to private ranges and the internet.

// A broken timeout or size cap shows up as a hang; fail it quickly instead of after the project-wide 60 s.
vi.setConfig({ testTimeout: 5_000, hookTimeout: 10_000 });

interface Fixture {
  server: http.Server;
  host: string;
  port: number;
  origin: string;
  requests: string[];
  hosts: string[];
  connections: number;
  close: () => Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, fx: Fixture) => void;

async function startFixture(host: string, handler: Handler): Promise<Fixture> {
  const sockets = new Set<Socket>();
  const server = http.createServer();
  server.on('connection', (s: Socket) => {
    fx.connections += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const fx: Fixture = {
    server,
    host,
    port: address.port,
    origin: `http://${hostPart}:${address.port}`,
    requests: [],
    hosts: [],
    connections: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    fx.requests.push(req.url ?? '');
    fx.hosts.push(req.headers.host ?? '');
    handler(req, res, fx);
  });
  return fx;
}

/** Picks a second loopback address the allow list (127.0.0.1/32) does not cover: ::1 if the machine has it. */
async function startOtherLoopback(handler: Handler): Promise<Fixture> {
  try {
    return await startFixture('::1', handler);
  } catch {
    return startFixture('127.0.0.2', handler);
  }
}

const FILE = Buffer.from(Array.from({ length: 200 * 1024 }, (_, i) => (i * 7919 + (i >> 8)) & 0xff));
const PAGE = Buffer.from('<!doctype html><title>Ducks</title><p>' + 'quack '.repeat(2000));
const MB = 1024 * 1024;

let bombGz: Buffer;
let endlessClosed = false;

async function gzipZeros(total: number): Promise<Buffer> {
  const gz = zlib.createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const zero = Buffer.alloc(MB);
  for (let sent = 0; sent < total; sent += zero.length) {
    if (!gz.write(zero)) await once(gz, 'drain');
  }
  gz.end();
  await once(gz, 'end');
  return Buffer.concat(out);
}

/** Writes `chunk` until `limit` bytes or until the client goes away, honouring backpressure. */
function pump(res: NodeJS.WritableStream & { destroyed?: boolean }, chunk: Buffer, limit: number, onDone: () => void): void {
  let sent = 0;
  let stopped = false;
  res.on('close', () => {
    stopped = true;
  });
  const step = (): void => {
    while (!stopped && sent < limit) {
      sent += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', step);
        return;
      }
    }
    if (!stopped) onDone();
  };
  step();
}

const routes: Record<string, Handler> = {
  '/file': (_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp4; codecs="avc1"', 'content-length': FILE.length });
    res.end(FILE);
  },
  '/page': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  },
  '/page.gz': (req, res) => {
    expect(req.headers['accept-encoding']).toMatch(/gzip/);
    res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
    res.end(zlib.gzipSync(PAGE));
  },
  '/page.br': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'br' });
    res.end(zlib.brotliCompressSync(PAGE));
  },
  '/page.weird': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'zstd' });
    res.end('whatever');
  },
  '/loop/a': (_req, res) => {
    res.writeHead(302, { location: '/loop/b' });
    res.end();
  },
  '/loop/b': (_req, res) => {
    res.writeHead(301, { location: '/loop/a' });
    res.end('moved');
  },
  '/to-file-scheme': (_req, res) => {
    res.writeHead(302, { location: 'file:///etc/passwd' });
    res.end();
  },
  '/declared-too-big': (_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': 10 * MB });
    res.flushHeaders();
    // Stalls: only a client that refuses on the header finishes before its idle timeout.
  },
  '/chunked-big': (_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp4' });
    pump(res, Buffer.alloc(64 * 1024, 1), 8 * MB, () => res.end());
  },
  '/empty': (_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': 0 });
    res.end();
  },
  '/stall-mid-body': (_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': 1000 });
    res.write(Buffer.alloc(100, 2));
  },
  '/no-headers': () => {
    // Never answers.
  },
  '/truncate': (_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': 1000 });
    res.write(Buffer.alloc(100, 3), () => setTimeout(() => res.socket?.destroy(), 20));
  },
  '/slow': (_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': 100 * 1024 });
    const timer = setInterval(() => res.write(Buffer.alloc(1024, 4)), 20);
    res.on('close', () => clearInterval(timer));
  },
  '/gzip-bomb': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': bombGz.length });
    res.end(bombGz);
  },
  '/gzip-endless': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
    const gz = zlib.createGzip({ level: 1 });
    gz.pipe(res);
    res.on('close', () => {
      endlessClosed = true;
      gz.destroy();
    });
    pump(gz, Buffer.alloc(256 * 1024), Number.POSITIVE_INFINITY, () => gz.end());
  },
};

let main: Fixture;
let other: Fixture;
let dir: string;

function mainHandler(req: IncomingMessage, res: ServerResponse, fx: Fixture): void {
  const url = new URL(req.url ?? '/', fx.origin);
  const chain = /^\/chain\/(\d+)$/.exec(url.pathname);
  if (chain) {
    const n = Number(chain[1]);
    res.writeHead(n % 2 === 0 ? 302 : 307, { location: n > 1 ? `/chain/${n - 1}` : `${fx.origin}/file` });
    res.end();
    return;
  }
  const status = /^\/status\/(\d+)$/.exec(url.pathname);
  if (status) {
    res.writeHead(Number(status[1]), { 'content-type': 'text/plain' });
    res.end('status body');
    return;
  }
  if (url.pathname === '/to-other') {
    res.writeHead(302, { location: `${other.origin}/file` });
    res.end();
    return;
  }
  const route = routes[url.pathname];
  if (route) return route(req, res, fx);
  res.writeHead(500);
  res.end('no route');
}

function policy(overrides: Partial<FetchPolicy> = {}, allow = ['127.0.0.1/32']): FetchPolicy {
  return policyFromConfig(
    { fetchAllowPrivate: allow, maxDownloadBytes: 5 * MB, connectTimeoutMs: 1000, idleTimeoutMs: 1000 },
    overrides,
  );
}

async function vettedError(work: Promise<unknown>): Promise<VettedError> {
  try {
    await work;
  } catch (e) {
    if (e instanceof VettedError) return e;
    throw e;
  }
  throw new Error('expected a VettedError, but the call succeeded');
}

async function dirEntries(): Promise<string[]> {
  return readdir(dir);
}

beforeAll(async () => {
  bombGz = await gzipZeros(50 * MB);
  main = await startFixture('127.0.0.1', mainHandler);
  other = await startOtherLoopback((req, res, fx) => mainHandler(req, res, fx));
});

afterAll(async () => {
  await main?.close();
  await other?.close();
});

beforeEach(async (ctx) => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vetted-net-'));
  for (const fx of [main, other]) {
    fx.requests.length = 0;
    fx.hosts.length = 0;
    fx.connections = 0;
  }
  ctx.onTestFinished(() => rm(dir, { recursive: true, force: true }));
});

describe('downloadToFile', () => {
  it('streams a file to disk and leaves no .part behind', async () => {
    const dest = path.join(dir, 'video.mp4');
    const progress: number[] = [];
    const result = await downloadToFile(`${main.origin}/file`, dest, {
      policy: policy(),
      onProgress: (received, total) => {
        expect(total).toBe(FILE.length);
        progress.push(received);
      },
    });
    expect(result.bytes).toBe(FILE.length);
    expect(result.contentType).toBe('video/mp4');
    expect(result.url.href).toBe(`${main.origin}/file`);
    expect((await readFile(dest)).equals(FILE)).toBe(true);
    expect(await dirEntries()).toEqual(['video.mp4']);
    expect(progress.at(-1)).toBe(FILE.length);
  });

  it('refuses the loopback server when the allow list is empty, before any request', async () => {
    const err = await vettedError(downloadToFile(`${main.origin}/file`, path.join(dir, 'v'), { policy: policy({}, []) }));
    expect(err.code).toBe('fetch_blocked_address');
    expect(err.transient).toBe(false);
    expect(err.httpStatus).toBe(422);
    expect(err.message).toMatch(/private network/);
    // Refused from the resolved address alone: not even a TCP connection was opened.
    expect(main.connections).toBe(0);
    expect(await dirEntries()).toEqual([]);
  });

  it('refuses http://localhost without an allow list (resolved through DNS)', async () => {
    const err = await vettedError(guardedRequest(`http://localhost:${main.port}/file`, { policy: policy({}, []) }));
    expect(err.code).toBe('fetch_blocked_address');
    expect(main.connections).toBe(0);
  });

  it('maps 404 and 410 to fetch_not_found', async () => {
    for (const code of [404, 410]) {
      const err = await vettedError(downloadToFile(`${main.origin}/status/${code}`, path.join(dir, 'v'), { policy: policy() }));
      expect(err.code).toBe('fetch_not_found');
      expect(err.transient).toBe(false);
      // Worded for a page as well as a video, with the cause and what to do.
      expect(err.message).toContain(`HTTP ${code} "not found"`);
      expect(err.message).not.toMatch(/video/);
    }
    expect(await dirEntries()).toEqual([]);
  });

  it('maps other 4xx to a permanent fetch_http_status', async () => {
    const err = await vettedError(downloadToFile(`${main.origin}/status/403`, path.join(dir, 'v'), { policy: policy() }));
    expect(err.code).toBe('fetch_http_status');
    expect(err.transient).toBe(false);
  });

  it('maps 500 and 429 to a transient fetch_server_error', async () => {
    for (const code of [500, 503, 429]) {
      const err = await vettedError(downloadToFile(`${main.origin}/status/${code}`, path.join(dir, 'v'), { policy: policy() }));
      expect(err.code).toBe('fetch_server_error');
      expect(err.transient).toBe(true);
    }
  });

  it('refuses a declared Content-Length over the limit without waiting for the body', async () => {
    const started = Date.now();
    const err = await vettedError(
      downloadToFile(`${main.origin}/declared-too-big`, path.join(dir, 'v'), {
        policy: policy({ maxBytes: MB, idleTimeoutMs: 3000 }),
      }),
    );
    expect(err.code).toBe('fetch_too_large');
    expect(err.transient).toBe(false);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await dirEntries()).toEqual([]);
  });

  it('aborts a chunked body once it passes the limit and removes the .part file', async () => {
    const err = await vettedError(
      downloadToFile(`${main.origin}/chunked-big`, path.join(dir, 'v'), { policy: policy({ maxBytes: MB }) }),
    );
    expect(err.code).toBe('fetch_too_large');
    expect(await dirEntries()).toEqual([]);
  });

  it('downloads a chunked body under the limit', async () => {
    const result = await downloadToFile(`${main.origin}/chunked-big`, path.join(dir, 'v'), { policy: policy({ maxBytes: 9 * MB }) });
    expect(result.bytes).toBe(8 * MB);
  });

  it('refuses an empty body', async () => {
    const err = await vettedError(downloadToFile(`${main.origin}/empty`, path.join(dir, 'v'), { policy: policy() }));
    expect(err.code).toBe('fetch_empty');
    expect(err.transient).toBe(false);
    expect(await dirEntries()).toEqual([]);
  });

  it('times out a body that stalls midway and removes the .part file', async () => {
    const started = Date.now();
    const err = await vettedError(
      downloadToFile(`${main.origin}/stall-mid-body`, path.join(dir, 'v'), { policy: policy({ idleTimeoutMs: 300 }) }),
    );
    expect(err.code).toBe('fetch_timeout');
    expect(err.transient).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await dirEntries()).toEqual([]);
  });

  it('treats a connection cut mid-body as a transient network fault', async () => {
    const err = await vettedError(downloadToFile(`${main.origin}/truncate`, path.join(dir, 'v'), { policy: policy() }));
    expect(err.code).toBe('fetch_network');
    expect(err.transient).toBe(true);
    expect(await dirEntries()).toEqual([]);
  });

  it('lets the accept hook refuse a response before anything is written', async () => {
    const refusal = new VettedError('not_a_video', 'This link opens a web page, not a video.');
    const err = await vettedError(
      downloadToFile(`${main.origin}/page`, path.join(dir, 'v'), {
        policy: policy(),
        accept: ({ contentType, url }) => {
          expect(url.pathname).toBe('/page');
          if (contentType === 'text/html') throw refusal;
        },
      }),
    );
    expect(err).toBe(refusal);
    expect(await dirEntries()).toEqual([]);
  });

  it('honours an abort signal mid-download and removes the .part file', async () => {
    const controller = new AbortController();
    const work = downloadToFile(`${main.origin}/slow`, path.join(dir, 'v'), {
      policy: policy(),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 150);
    await expect(work).rejects.toMatchObject({ name: 'AbortError' });
    expect(await dirEntries()).toEqual([]);
  });
});

describe('redirects', () => {
  it('follows a chain of five, relative and absolute', async () => {
    const dest = path.join(dir, 'v');
    const result = await downloadToFile(`${main.origin}/chain/5`, dest, { policy: policy() });
    expect(result.url.href).toBe(`${main.origin}/file`);
    expect((await readFile(dest)).equals(FILE)).toBe(true);
    const res = await guardedRequest(`${main.origin}/chain/5`, { policy: policy() });
    res.body.destroy();
    expect(res.redirects.map((u) => u.pathname)).toEqual(['/chain/4', '/chain/3', '/chain/2', '/chain/1', '/file']);
  });

  it('refuses a sixth redirect', async () => {
    const err = await vettedError(guardedRequest(`${main.origin}/chain/6`, { policy: policy() }));
    expect(err.code).toBe('fetch_too_many_redirects');
    expect(err.transient).toBe(false);
    expect(main.requests).not.toContain('/file');
  });

  it('refuses a redirect loop', async () => {
    const err = await vettedError(guardedRequest(`${main.origin}/loop/a`, { policy: policy({ maxRedirects: 20 }) }));
    expect(err.code).toBe('fetch_redirect_loop');
    expect(main.requests).toEqual(['/loop/a', '/loop/b']);
  });

  it('re-checks the address of every hop: a redirect to another loopback literal is refused', async () => {
    const err = await vettedError(guardedRequest(`${main.origin}/to-other`, { policy: policy() }));
    expect(err.code).toBe('fetch_blocked_address');
    expect(main.requests).toEqual(['/to-other']);
    expect(other.connections).toBe(0);
  });

  it('(control) the other loopback server is reachable once allowed, so only the guard stopped it', async () => {
    const res = await guardedRequest(`${main.origin}/to-other`, { policy: policy({}, ['127.0.0.1', other.host]) });
    res.body.resume();
    expect(res.status).toBe(200);
    expect(res.remoteAddress).toBe(other.host);
    expect(other.requests).toEqual(['/file']);
    expect(other.hosts).toEqual([other.origin.replace('http://', '')]);
  });

  it('refuses a redirect to a non-http scheme', async () => {
    const err = await vettedError(guardedRequest(`${main.origin}/to-file-scheme`, { policy: policy() }));
    expect(err.code).toBe('url_scheme');
  });

  it('asks checkHost about every hop', async () => {
    const hosts: string[] = [];
    const res = await guardedRequest(`${main.origin}/chain/2`, { policy: policy({ checkHost: (h) => hosts.push(h) }) });
    res.body.resume();
    expect(hosts).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);

    let calls = 0;
    const blocked = new VettedError('domain_blocked', 'This site is blocked by your school.');
    const err = await vettedError(
      guardedRequest(`${main.origin}/to-other`, {
        policy: policy(
          {
            checkHost: () => {
              calls += 1;
              if (calls > 1) throw blocked;
            },
          },
          ['127.0.0.1', other.host],
        ),
      }),
    );
    expect(err).toBe(blocked);
    expect(other.requests).toEqual([]);
  });
});

describe('connected address re-check', () => {
  // DNS says "public", the socket lands on loopback: the guard must notice at connect time.
  const lyingHooks = {
    resolve: async () => [{ address: '93.184.216.34', family: 4 as const }],
    connectLookup: ((_host, options, callback) => {
      if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    }) as LookupFunction,
  };

  it('refuses when the socket connects to a refused address despite a clean DNS answer', async () => {
    const err = await vettedError(
      guardedRequest(`http://lying.test:${main.port}/file`, { policy: policy({}, []), testHooks: lyingHooks }),
    );
    expect(err.code).toBe('fetch_blocked_address');
    await new Promise((r) => setTimeout(r, 50));
    // The socket did connect (so only the post-connect check could have stopped it), but no request was sent.
    expect(main.connections).toBe(1);
    expect(main.requests).toEqual([]);
  });

  it('(control) the same lying lookup reaches the fixture once 127.0.0.1 is allowed', async () => {
    const res = await guardedRequest(`http://lying.test:${main.port}/file`, { policy: policy(), testHooks: lyingHooks });
    res.body.resume();
    expect(res.status).toBe(200);
    expect(res.remoteAddress).toBe('127.0.0.1');
    expect(main.requests).toEqual(['/file']);
    expect(main.hosts).toEqual([`lying.test:${main.port}`]);
  });

  it('times out a connection that never completes', async () => {
    const started = Date.now();
    const err = await vettedError(
      guardedRequest(`http://hang.test:${main.port}/`, {
        policy: policy({ connectTimeoutMs: 200 }),
        testHooks: { resolve: lyingHooks.resolve, connectLookup: () => undefined },
      }),
    );
    expect(err.code).toBe('fetch_timeout');
    expect(err.transient).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('guardedRequest', () => {
  it('returns non-2xx statuses instead of throwing', async () => {
    const res = await guardedRequest(`${main.origin}/status/404`, { policy: policy() });
    expect(res.status).toBe(404);
    let text = '';
    for await (const chunk of res.body) text += String(chunk);
    expect(text).toBe('status body');
  });

  it('times out a server that never sends headers', async () => {
    const started = Date.now();
    const err = await vettedError(guardedRequest(`${main.origin}/no-headers`, { policy: policy({ idleTimeoutMs: 300 }) }));
    expect(err.code).toBe('fetch_timeout');
    expect(err.transient).toBe(true);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('makes the body stream error with fetch_timeout when it stalls', async () => {
    const res = await guardedRequest(`${main.origin}/stall-mid-body`, { policy: policy({ idleTimeoutMs: 300 }) });
    const err = await vettedError(
      (async () => {
        for await (const _ of res.body) void _;
      })(),
    );
    expect(err.code).toBe('fetch_timeout');
  });

  it('reports a refused connection as such (not as a download that broke off), transient', async () => {
    const probe = http.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const err = await vettedError(guardedRequest(`http://127.0.0.1:${port}/`, { policy: policy() }));
    expect(err.code).toBe('fetch_refused');
    expect(err.message).toMatch(/refused the connection/);
    expect(err.message).not.toMatch(/broke off/);
    expect(err.transient).toBe(true);
  });

  it('refuses URLs with credentials before any connection', async () => {
    const err = await vettedError(
      downloadToFile(`http://user:secret@127.0.0.1:${main.port}/file`, path.join(dir, 'v'), { policy: policy() }),
    );
    expect(err.code).toBe('url_credentials');
    expect(main.requests).toEqual([]);
  });

  it.each(['file:///etc/passwd', 'ftp://127.0.0.1/x', 'gopher://127.0.0.1:6379/_INFO', 'data:text/plain,hi', 'javascript:alert(1)'])(
    'refuses the scheme of %s',
    async (raw) => {
      const err = await vettedError(guardedRequest(raw, { policy: policy() }));
      expect(err.code).toBe('url_scheme');
    },
  );
});

describe('fetchBuffer', () => {
  it('returns plain, gzip and brotli pages decoded', async () => {
    for (const p of ['/page', '/page.gz', '/page.br']) {
      const result = await fetchBuffer(`${main.origin}${p}`, { policy: policy() });
      expect(result.status).toBe(200);
      expect(result.contentType).toBe('text/html');
      expect(result.body.equals(PAGE)).toBe(true);
    }
  });

  it('applies the same status handling as downloads', async () => {
    expect((await vettedError(fetchBuffer(`${main.origin}/status/404`, { policy: policy() }))).code).toBe('fetch_not_found');
    expect((await vettedError(fetchBuffer(`${main.origin}/status/502`, { policy: policy() }))).transient).toBe(true);
  });

  it('refuses an unknown content encoding', async () => {
    const err = await vettedError(fetchBuffer(`${main.origin}/page.weird`, { policy: policy() }));
    expect(err.code).toBe('fetch_encoding');
  });

  it('stops a 50 MB gzip bomb at the decoded limit', async () => {
    expect(bombGz.length).toBeLessThan(MB);
    const err = await vettedError(fetchBuffer(`${main.origin}/gzip-bomb`, { policy: policy({ maxBytes: MB }) }));
    expect(err.code).toBe('fetch_too_large');
  });

  it('stops an endless gzip stream, which only a streaming limit can survive', async () => {
    endlessClosed = false;
    const err = await vettedError(fetchBuffer(`${main.origin}/gzip-endless`, { policy: policy({ maxBytes: MB }) }));
    expect(err.code).toBe('fetch_too_large');
    await expect.poll(() => endlessClosed, { timeout: 2000 }).toBe(true);
  });

  it('caps the raw size too', async () => {
    const err = await vettedError(fetchBuffer(`${main.origin}/chunked-big`, { policy: policy({ maxBytes: MB }) }));
    expect(err.code).toBe('fetch_too_large');
  });
});

describe('guardedRequest: HEAD', () => {
  it('sends HEAD and returns an empty body', async () => {
    const res = await guardedRequest(`${main.origin}/file`, { policy: policy(), method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(FILE.length));
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
    expect(chunks).toHaveLength(0);
  });
});

/** A throw-away certificate for vetted.test and 127.0.0.1, made with openssl (.ci/run installs it). */
function makeCert(): { key: string; cert: string } {
  const base = path.join(os.tmpdir(), `vetted-net-tls-${process.pid}`);
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=vetted.test', '-addext', 'subjectAltName=DNS:vetted.test,IP:127.0.0.1',
        '-keyout', `${base}.key`, '-out', `${base}.crt`],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(`${base}.key`, 'utf8'), cert: readFileSync(`${base}.crt`, 'utf8') };
  } finally {
    rmSync(`${base}.key`, { force: true });
    rmSync(`${base}.crt`, { force: true });
  }
}

const pem = makeCert();

describe('https', () => {
  let server: https.Server;
  let port = 0;
  const servernames: Array<string | false | null> = [];
  const resolveToLoopback = async () => [{ address: '127.0.0.1', family: 4 as const }];

  beforeAll(async () => {
    server = https.createServer({ key: pem.key, cert: pem.cert }, (req, res) => {
      servernames.push((req.socket as TLSSocket).servername);
      if (req.url === '/no-headers') return;
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.end(FILE);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    servernames.length = 0;
  });

  it('refuses an untrusted certificate as a permanent fetch_tls', async () => {
    const err = await vettedError(
      guardedRequest(`https://vetted.test:${port}/`, { policy: policy(), testHooks: { resolve: resolveToLoopback } }),
    );
    expect(err.code).toBe('fetch_tls');
    expect(err.transient).toBe(false);
  });

  it('downloads over TLS with SNI set to the original hostname', async () => {
    const dest = path.join(dir, 'v');
    await downloadToFile(`https://vetted.test:${port}/file`, dest, {
      policy: policy(),
      testHooks: { resolve: resolveToLoopback, ca: pem.cert },
    });
    expect((await readFile(dest)).equals(FILE)).toBe(true);
    expect(servernames).toEqual(['vetted.test']);
  });

  it('connects to a literal IP over TLS without SNI', async () => {
    const res = await guardedRequest(`https://127.0.0.1:${port}/`, { policy: policy(), testHooks: { ca: pem.cert } });
    res.body.resume();
    expect(res.status).toBe(200);
    expect(servernames).toEqual([false]);
  });

  it('refuses a TLS peer at a refused address', async () => {
    const err = await vettedError(
      guardedRequest(`https://127.0.0.1:${port}/`, { policy: policy({}, []), testHooks: { ca: pem.cert } }),
    );
    expect(err.code).toBe('fetch_blocked_address');
    expect(servernames).toEqual([]);
  });

  it('runs the idle timer after the handshake', async () => {
    const err = await vettedError(
      guardedRequest(`https://vetted.test:${port}/no-headers`, {
        policy: policy({ idleTimeoutMs: 300 }),
        testHooks: { resolve: resolveToLoopback, ca: pem.cert },
      }),
    );
    expect(err.code).toBe('fetch_timeout');
  });
});
