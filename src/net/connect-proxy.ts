/**
 * A small forward proxy on loopback that puts programs doing their own networking (yt-dlp, and a PO-token provider's
 * plugin inside it) back behind the guarded fetcher's rules. The program is started with `--proxy` pointing here, so
 * every connection it makes is:
 * - for a host on a short allow-list (YouTube's hosts; nothing else, so a crafted page cannot send it anywhere);
 * - on an allowed port (443 and 80);
 * - to an address we resolved and checked ourselves (loopback/private refused unless FETCH_ALLOW_PRIVATE), and the
 *   socket goes to exactly that address (no second DNS answer can slip in), re-checked once connected.
 * HTTPS arrives as CONNECT (a tunnel: we never see inside), plain HTTP as an absolute-form request that we forward.
 *
 * Each run gets its own ticket: a random token the program sends as proxy credentials. Other local processes cannot
 * use the proxy without one, and refusals are recorded against the run that caused them, so the backend can tell a
 * teacher "this video tried to reach a private address" rather than a generic 403.
 *
 * An upstream school proxy (YOUTUBE_PROXY) chains after this one: the host and port rules still apply, and the
 * upstream is reached with CONNECT. Name resolution is then the upstream's job (many school networks have no
 * outside DNS), so only literal addresses can be checked here.
 */
import { randomBytes } from 'node:crypto';
import { promises as dns } from 'node:dns';
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { checkAddress, type AllowList } from './address.js';
import { pinnedLookup, type ResolvedAddress } from './hop.js';

/** The hosts yt-dlp's YouTube extractor needs: the site and its API, the video servers, the thumbnails. */
export const YOUTUBE_HOSTS: readonly string[] = ['youtube.com', '*.youtube.com', '*.googlevideo.com', '*.ytimg.com'];
export const DEFAULT_PORTS: readonly number[] = [443, 80];

/** A host and port the operator configured (the PO-token provider): admitted even on a private address. */
export interface TrustedEndpoint {
  host: string;
  port: number;
}

export interface ConnectProxyOptions {
  /** FETCH_ALLOW_PRIVATE, parsed. */
  allow: AllowList;
  /** Host patterns: `example.com` (exactly), `*.example.com` (any subdomain). Default YOUTUBE_HOSTS. */
  hosts?: readonly string[];
  /** Ports a connection may go to. Default 443 and 80. */
  ports?: readonly number[];
  /** Reached although private, by every ticket; the host and port must match exactly. */
  trusted?: readonly TrustedEndpoint[];
  /** YOUTUBE_PROXY: `http://host:port` of the school's proxy. */
  upstream?: URL;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /** Tests only: a resolver standing in for DNS. */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
  log?: (message: string) => void;
}

/** One program run's pass through the proxy. */
export interface ProxyTicket {
  /** What to give the program: `http://run-<token>:x@127.0.0.1:<port>`. */
  url: string;
  /** Why the proxy refused this run's connections, in order (empty when nothing was refused). */
  refusals: Refusal[];
  /** Ends the ticket; later connections with it are refused. */
  close(): void;
  /** Endpoints this run may reach although private (the PO-token provider, when an admin turned it on). */
  trusted: readonly TrustedEndpoint[];
}

export interface Refusal {
  kind: 'host' | 'port' | 'address' | 'unreachable';
  target: string;
  reason: string;
}

export interface ConnectProxy {
  readonly port: number;
  ticket(opts?: { trusted?: readonly TrustedEndpoint[] }): ProxyTicket;
  close(): Promise<void>;
}

class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.reason);
  }
}

/** `*.example.com` matches subdomains only; `example.com` only itself. Case and a trailing dot do not matter. */
export function hostAllowed(host: string, patterns: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return patterns.some((p) => {
    const pattern = p.toLowerCase();
    if (pattern.startsWith('*.')) return h.endsWith(pattern.slice(1)) && h.length > pattern.length - 1;
    return h === pattern;
  });
}

/** `host:port` of a CONNECT request, IPv6 in brackets. */
export function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]/@\s]+)):(\d{1,5})$/.exec(authority);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2] ?? '').toLowerCase(), port };
}

async function systemResolve(hostname: string): Promise<ResolvedAddress[]> {
  const found = await dns.lookup(hostname, { all: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

function ticketOf(header: string | undefined): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const user = Buffer.from(m[1] ?? '', 'base64').toString('utf8').split(':')[0] ?? '';
  return /^run-[a-f0-9]{32}$/.test(user) ? user.slice(4) : undefined;
}

export async function startConnectProxy(opts: ConnectProxyOptions): Promise<ConnectProxy> {
  const hosts = opts.hosts ?? YOUTUBE_HOSTS;
  const ports = opts.ports ?? DEFAULT_PORTS;
  const trusted = opts.trusted ?? [];
  const resolve = opts.resolve ?? systemResolve;
  const tickets = new Map<string, ProxyTicket>();
  const sockets = new Set<Socket>();
  const log = opts.log ?? (() => {});

  const isTrusted = (host: string, port: number, ticket: ProxyTicket) =>
    [...trusted, ...ticket.trusted].some((t) => t.host.toLowerCase() === host && t.port === port);

  /** The rules, in the order a person would explain them; throws Refused. */
  async function admit(host: string, port: number, ticket: ProxyTicket): Promise<ResolvedAddress[] | 'upstream'> {
    const target = `${host}:${port}`;
    const trustedEndpoint = isTrusted(host, port, ticket);
    if (!trustedEndpoint && !hostAllowed(host, hosts)) {
      throw new Refused({ kind: 'host', target, reason: `${host} is not one of the hosts YouTube needs` });
    }
    if (!trustedEndpoint && !ports.includes(port)) {
      throw new Refused({ kind: 'port', target, reason: `port ${port} is not allowed` });
    }
    const literal = net.isIP(host);
    if (opts.upstream && !trustedEndpoint) {
      if (literal) {
        const verdict = checkAddress(host, opts.allow);
        if (!verdict.ok) throw new Refused({ kind: 'address', target, reason: verdict.reason });
      }
      return 'upstream';
    }
    let addresses: ResolvedAddress[];
    if (literal) addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
    else {
      try {
        addresses = await withTimeout(resolve(host), opts.connectTimeoutMs);
      } catch (e) {
        throw new Refused({ kind: 'unreachable', target, reason: `${host} could not be looked up (${(e as Error).message})` });
      }
      if (addresses.length === 0) throw new Refused({ kind: 'unreachable', target, reason: `${host} has no address` });
    }
    if (!trustedEndpoint) {
      for (const a of addresses) {
        const verdict = checkAddress(a.address, opts.allow);
        if (!verdict.ok) throw new Refused({ kind: 'address', target, reason: `${host} resolves to ${a.address}: ${verdict.reason}` });
      }
    }
    return addresses;
  }

  /** A socket to the checked address (or through the upstream proxy), ready for bytes. */
  function dial(host: string, port: number, via: ResolvedAddress[] | 'upstream', trustedEndpoint: boolean): Promise<Socket> {
    return new Promise((resolveSocket, reject) => {
      let socket: Socket;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Refused({ kind: 'unreachable', target: `${host}:${port}`, reason: 'connection timed out' }));
      }, opts.connectTimeoutMs);
      const fail = (e: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(e instanceof Refused ? e : new Refused({ kind: 'unreachable', target: `${host}:${port}`, reason: e.message }));
      };
      if (via === 'upstream') {
        const up = opts.upstream as URL;
        socket = net.connect({ host: up.hostname.replace(/^\[|\]$/g, ''), port: Number(up.port) || 3128 });
        socket.once('error', fail);
        socket.once('connect', () => {
          const authority = net.isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
          const auth = up.username ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(up.username)}:${decodeURIComponent(up.password)}`).toString('base64')}\r\n` : '';
          socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`);
          let head = Buffer.alloc(0);
          const onData = (chunk: Buffer) => {
            head = Buffer.concat([head, chunk]);
            const end = head.indexOf('\r\n\r\n');
            if (end < 0) {
              if (head.length > 16 * 1024) fail(new Error('the school proxy sent an oversized answer'));
              return;
            }
            socket.off('data', onData);
            const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'))?.[1];
            if (status !== '200') {
              fail(new Error(`the school proxy (YOUTUBE_PROXY) answered ${status ?? 'something unreadable'}`));
              return;
            }
            const rest = head.subarray(end + 4);
            if (rest.length) socket.unshift(rest);
            clearTimeout(timer);
            socket.off('error', fail);
            resolveSocket(socket);
          };
          socket.on('data', onData);
        });
        return;
      }
      socket = net.connect({ host, port, lookup: pinnedLookup(via) });
      socket.once('error', fail);
      socket.once('connect', () => {
        // Literal addresses never go through `lookup`; the connected peer is checked either way.
        const verdict = trustedEndpoint ? { ok: true as const } : checkAddress(socket.remoteAddress ?? '', opts.allow);
        if (!verdict.ok) {
          fail(new Refused({ kind: 'address', target: `${host}:${port}`, reason: verdict.reason }));
          return;
        }
        clearTimeout(timer);
        socket.off('error', fail);
        resolveSocket(socket);
      });
    });
  }

  function refuse(ticket: ProxyTicket | undefined, e: unknown): Refusal {
    const refusal: Refusal = e instanceof Refused ? e.refusal : { kind: 'unreachable', target: '?', reason: String(e) };
    ticket?.refusals.push(refusal);
    log(`proxy refused ${refusal.target}: ${refusal.reason}`);
    return refusal;
  }

  function splice(a: Duplex, b: Socket): void {
    b.setTimeout(opts.idleTimeoutMs, () => b.destroy());
    a.on('error', () => b.destroy());
    b.on('error', () => a.destroy());
    a.on('close', () => b.destroy());
    b.on('close', () => a.destroy());
    a.pipe(b);
    b.pipe(a);
  }

  const server = http.createServer();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  // HTTPS: a tunnel to a checked address.
  server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    client.on('error', () => client.destroy());
    const ticket = tickets.get(ticketOf(req.headers['proxy-authorization']) ?? '');
    if (!ticket) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="vetted"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const target = parseAuthority(req.url ?? '');
    if (!target) {
      client.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    void (async () => {
      try {
        const via = await admit(target.host, target.port, ticket);
        const upstream = await dial(target.host, target.port, via, isTrusted(target.host, target.port, ticket));
        if (client.destroyed) {
          upstream.destroy();
          return;
        }
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        splice(client, upstream);
      } catch (e) {
        const r = refuse(ticket, e);
        const status = r.kind === 'unreachable' ? '502 Bad Gateway' : '403 Forbidden';
        client.end(`HTTP/1.1 ${status}\r\nX-Vetted-Refused: ${r.kind}\r\nContent-Length: 0\r\n\r\n`);
      }
    })();
  });

  // Plain HTTP: an absolute-form request, forwarded to a checked address, one request per connection.
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const ticket = tickets.get(ticketOf(req.headers['proxy-authorization']) ?? '');
    if (!ticket) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="vetted"', 'content-length': 0, connection: 'close' }).end();
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '');
      if (url.protocol !== 'http:' || url.username || url.password) throw new Error('not a plain http URL');
    } catch {
      res.writeHead(400, { 'content-length': 0, connection: 'close' }).end();
      return;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = Number(url.port) || 80;
    void (async () => {
      try {
        const via = await admit(host, port, ticket);
        const socket = await dial(host, port, via, isTrusted(host, port, ticket));
        const headers: http.OutgoingHttpHeaders = { ...req.headers, connection: 'close' };
        delete headers['proxy-authorization'];
        delete headers['proxy-connection'];
        // Through the school proxy too, the socket is already a tunnel to the site: origin-form either way.
        const path = `${url.pathname}${url.search}`;
        const out = http.request({ method: req.method, path, headers, createConnection: () => socket });
        out.on('response', (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, { ...upRes.headers, connection: 'close' });
          upRes.pipe(res);
        });
        out.on('error', () => res.destroy());
        socket.setTimeout(opts.idleTimeoutMs, () => socket.destroy());
        res.on('close', () => socket.destroy());
        req.pipe(out);
      } catch (e) {
        const r = refuse(ticket, e);
        res.writeHead(r.kind === 'unreachable' ? 502 : 403, { 'x-vetted-refused': r.kind, 'content-length': 0, connection: 'close' }).end();
      }
    })();
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  // The proxy lives as long as the worker; it must not keep a finished process alive.
  server.unref();
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    ticket(o: { trusted?: readonly TrustedEndpoint[] } = {}): ProxyTicket {
      const token = randomBytes(16).toString('hex');
      const ticket: ProxyTicket = {
        url: `http://run-${token}:x@127.0.0.1:${port}`,
        refusals: [],
        close: () => tickets.delete(token),
        trusted: o.trusted ?? [],
      };
      tickets.set(token, ticket);
      return ticket;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('lookup timed out')), ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        ok(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        fail(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
