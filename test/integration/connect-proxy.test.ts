/**
 * Vetted's loopback proxy on its own, spoken to over raw sockets the way yt-dlp speaks to it for HTTPS (CONNECT,
 * then bytes through the tunnel) and for plain HTTP. Fixture sites and a stand-in "school proxy" run on 127.0.0.1;
 * private names resolve through a test resolver and are refused before any connection.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowList } from '../../src/net/address.js';
import { startConnectProxy, type ConnectProxy, type ConnectProxyOptions } from '../../src/net/connect-proxy.js';
import { startFixtureServer } from '../helpers/fixture-server.js';

let site: Awaited<ReturnType<typeof startFixtureServer>>;
let provider: Awaited<ReturnType<typeof startFixtureServer>>;
let school: http.Server;
let schoolPort = 0;
const schoolSaw: string[] = [];
const proxies: ConnectProxy[] = [];

beforeAll(async () => {
  site = await startFixtureServer({ '/hello': (_q, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello from the site') });
  provider = await startFixtureServer({ '/token': (_q, res) => res.writeHead(200).end('a token') });
  // The school's proxy: CONNECT only, as most are.
  school = http.createServer((_q, res) => res.writeHead(405).end());
  school.on('connect', (req, client: net.Socket, head) => {
    schoolSaw.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect({ host: host === 'www.youtube.com' ? '127.0.0.1' : host, port: Number(port) }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => school.listen(0, '127.0.0.1', r));
  schoolPort = (school.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const p of proxies) await p.close();
  await site?.close();
  await provider?.close();
  await new Promise((r) => school?.close(r));
});

async function proxy(over: Partial<ConnectProxyOptions> = {}): Promise<ConnectProxy> {
  const p = await startConnectProxy({
    allow: parseAllowList(['127.0.0.1']),
    hosts: ['127.0.0.1', '127.0.0.2', 'private.vetted.test', 'www.youtube.com'],
    ports: [site.port],
    connectTimeoutMs: 2_000,
    idleTimeoutMs: 5_000,
    resolve: async (host) => (host === 'private.vetted.test' ? [{ address: '10.255.255.1', family: 4 }] : host === 'www.youtube.com' ? [{ address: '127.0.0.1', family: 4 }] : []),
    ...over,
  });
  proxies.push(p);
  return p;
}

/** CONNECT through the proxy; on 200, a GET inside the tunnel. Returns the CONNECT status, the refusal header, the body. */
function tunnel(p: ConnectProxy, target: string, credentials?: string): Promise<{ status: number; refused?: string; body?: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: p.port });
    const auth = credentials ? `Proxy-Authorization: Basic ${Buffer.from(credentials).toString('base64')}\r\n` : '';
    s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`);
    let data = '';
    let status = 0;
    let refused: string | undefined;
    s.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (!status && data.includes('\r\n\r\n')) {
        const head = data.slice(0, data.indexOf('\r\n\r\n'));
        status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
        refused = /x-vetted-refused: (\w+)/i.exec(head)?.[1];
        data = data.slice(data.indexOf('\r\n\r\n') + 4);
        if (status === 200) s.write(`GET /hello HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`);
      }
    });
    s.on('close', () => resolve({ status, ...(refused ? { refused } : {}), ...(status === 200 ? { body: data } : {}) }));
    s.on('error', reject);
  });
}

const credentialsOf = (url: string) => {
  const u = new URL(url);
  return `${u.username}:${u.password}`;
};

describe('the CONNECT proxy', () => {
  it('tunnels to an allowed host and port, with a run ticket only', async () => {
    const p = await proxy();
    const ticket = p.ticket();
    const ok = await tunnel(p, `127.0.0.1:${site.port}`, credentialsOf(ticket.url));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/hello from the site/);
    expect(ticket.refusals).toEqual([]);
    expect((await tunnel(p, `127.0.0.1:${site.port}`)).status).toBe(407);
    expect((await tunnel(p, `127.0.0.1:${site.port}`, 'run-00000000000000000000000000000000:x')).status).toBe(407);
    ticket.close();
    expect((await tunnel(p, `127.0.0.1:${site.port}`, credentialsOf(ticket.url))).status).toBe(407);
  });

  it('refuses hosts, ports and addresses outside the rules, and records why on the ticket', async () => {
    const p = await proxy();
    const ticket = p.ticket();
    const cred = credentialsOf(ticket.url);
    expect(await tunnel(p, `example.org:${site.port}`, cred)).toMatchObject({ status: 403, refused: 'host' });
    expect(await tunnel(p, `127.0.0.1:${provider.port}`, cred)).toMatchObject({ status: 403, refused: 'port' });
    expect(await tunnel(p, `127.0.0.2:${site.port}`, cred)).toMatchObject({ status: 403, refused: 'address' });
    expect(await tunnel(p, `private.vetted.test:${site.port}`, cred)).toMatchObject({ status: 403, refused: 'address' });
    expect(await tunnel(p, 'not-a-target', cred)).toMatchObject({ status: 400 });
    expect(ticket.refusals.map((r) => r.kind)).toEqual(['host', 'port', 'address', 'address']);
    expect(ticket.refusals[3]?.reason).toMatch(/10\.255\.255\.1/);
    expect(provider.hits.size).toBe(0);
  });

  it("admits the PO-token provider the operator named, even off the host list and on a private address, for runs that may use it", async () => {
    const p = await proxy({ allow: [] });
    const cred = credentialsOf(p.ticket({ trusted: [{ host: '127.0.0.1', port: provider.port }] }).url);
    const res = await tunnel(p, `127.0.0.1:${provider.port}`, cred);
    expect(res.status).toBe(200);
    // The same address on another port is still judged by the rules (and 127.0.0.1 is not allowed here).
    expect(await tunnel(p, `127.0.0.1:${site.port}`, cred)).toMatchObject({ status: 403, refused: 'address' });
    // A run without the provider (an admin turned it off) gets no such exception.
    expect(await tunnel(p, `127.0.0.1:${provider.port}`, credentialsOf(p.ticket().url))).toMatchObject({ status: 403 });
  });

  it("chains to the school's proxy (YOUTUBE_PROXY) after applying its own host and port rules", async () => {
    const p = await proxy({ upstream: new URL(`http://127.0.0.1:${schoolPort}`), resolve: async () => [] });
    const cred = credentialsOf(p.ticket().url);
    const ok = await tunnel(p, `www.youtube.com:${site.port}`, cred);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/hello from the site/);
    // The name went to the school's proxy as a name: resolving it is the school proxy's job.
    expect(schoolSaw).toContain(`www.youtube.com:${site.port}`);
    const seen = schoolSaw.length;
    expect(await tunnel(p, `example.org:${site.port}`, cred)).toMatchObject({ status: 403, refused: 'host' });
    expect(await tunnel(p, `127.0.0.2:${site.port}`, cred)).toMatchObject({ status: 403, refused: 'address' });
    expect(schoolSaw.length).toBe(seen);
  });

  it('forwards plain HTTP requests by the same rules', async () => {
    const p = await proxy();
    const ticket = p.ticket();
    const get = (url: string, auth = true) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const headers: Record<string, string> = auth ? { 'proxy-authorization': `Basic ${Buffer.from(credentialsOf(ticket.url)).toString('base64')}` } : {};
        const req = http.request({ host: '127.0.0.1', port: p.port, path: url, headers }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await get(site.url('/hello'))).toEqual({ status: 200, body: 'hello from the site' });
    expect((await get(site.url('/hello'), false)).status).toBe(407);
    expect((await get(`http://127.0.0.2:${site.port}/hello`)).status).toBe(403);
    expect((await get(`http://private.vetted.test:${site.port}/hello`)).status).toBe(403);
  });
});
