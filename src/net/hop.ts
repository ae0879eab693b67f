import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import net, { type LookupFunction, type Socket } from 'node:net';
import tls from 'node:tls';
import { PassThrough } from 'node:stream';
import { checkAddress, type AllowList } from './address.js';
import { bareHostname } from './url.js';
import { abortReason, blockedAddressError, mapNetworkError, mapNetworkErrorFor, timeoutError, truncatedError } from './errors.js';

import type { ResolvedAddress } from './resolver.js';

export type { ResolvedAddress } from './resolver.js';

export interface HopOptions {
  url: URL;
  method: 'GET' | 'HEAD';
  headers: Record<string, string>;
  /** Addresses already checked against the allow list; the socket may connect to these only. */
  addresses: ResolvedAddress[];
  allow: AllowList;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  signal?: AbortSignal;
  /** Tests only: replaces the pinned lookup, to prove the connected address is checked again. */
  connectLookup?: LookupFunction;
  /** Tests only: trust this CA instead of the system store. */
  ca?: string | Buffer;
}

export interface HopResult {
  res: IncomingMessage;
  body: PassThrough;
  remoteAddress: string;
}

/**
 * Hands the socket layer exactly the addresses we already checked, so no second DNS answer (rebinding) can slip
 * in between check and connect. Returning them all lets Node's happy-eyeballs pick a family that works.
 */
export function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const list = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
    const first = list[0];
    if (!first) {
      const err: NodeJS.ErrnoException = new Error('no checked address for this family');
      err.code = 'ENOTFOUND';
      callback(err, '', undefined);
      return;
    }
    if (options.all) callback(null, list.map((a) => ({ address: a.address, family: a.family })));
    else callback(null, first.address, first.family);
  };
}

/**
 * One HTTP exchange with no redirects and no agent (so no pooled socket from an earlier, differently checked hop is
 * reused). Resolves once the response headers arrive; `body` then carries the raw bytes, and errors with our
 * timeout/network error rather than Node's generic "aborted".
 */
export function openHop(o: HopOptions): Promise<HopResult> {
  if (o.signal?.aborted) return Promise.reject(abortReason(o.signal));
  return new Promise((resolve, reject) => {
    const hostname = bareHostname(o.url);
    const secure = o.url.protocol === 'https:';
    const port = Number(o.url.port) || (secure ? 443 : 80);
    let failure: unknown;
    let settled = false;
    let body: PassThrough | undefined;
    let remoteAddress = '';

    const cleanup = (): void => {
      clearTimeout(connectTimer);
      o.signal?.removeEventListener('abort', onAbort);
    };
    const abortWith = (err: unknown): void => {
      failure ??= err;
      cleanup();
      req.destroy();
      body?.destroy(failure as Error);
      if (!settled) {
        settled = true;
        reject(failure);
      }
    };
    const onAbort = (): void => abortWith(abortReason(o.signal));
    const connectTimer = setTimeout(() => abortWith(timeoutError('connect', o.connectTimeoutMs)), o.connectTimeoutMs);

    const onReady = (socket: Socket): void => {
      clearTimeout(connectTimer);
      // Socket inactivity covers both the wait for headers and gaps in the body.
      socket.setTimeout(o.idleTimeoutMs);
      socket.on('timeout', () => abortWith(timeoutError('idle', o.idleTimeoutMs)));
    };

    const createConnection = (): Socket => {
      const base = { host: hostname, port, lookup: o.connectLookup ?? pinnedLookup(o.addresses) };
      const socket = secure
        ? tls.connect({
            ...base,
            servername: net.isIP(hostname) ? undefined : hostname,
            ALPNProtocols: ['http/1.1'],
            ...(o.ca ? { ca: o.ca } : {}),
          })
        : net.connect(base);
      // Registered before the request queues its write, so a refused peer is dropped before any request byte.
      // This also catches literal-IP hosts, for which Node never calls `lookup`.
      socket.once('connect', () => {
        remoteAddress = socket.remoteAddress ?? '';
        const verdict = checkAddress(remoteAddress, o.allow);
        if (!verdict.ok) {
          abortWith(blockedAddressError(`${hostname} connected to ${remoteAddress || 'unknown'}: ${verdict.reason}`));
          return;
        }
        if (!secure) onReady(socket);
      });
      if (secure) socket.once('secureConnect', () => onReady(socket));
      return socket;
    };

    const req = (secure ? https : http).request({
      method: o.method,
      host: hostname,
      port,
      path: `${o.url.pathname}${o.url.search}`,
      headers: { ...o.headers, host: o.url.host },
      createConnection,
    });

    req.on('error', (e) => {
      const err = failure ?? mapNetworkErrorFor(hostname, e);
      if (!settled) abortWith(err);
      else body?.destroy(err as Error);
    });

    req.on('response', (res) => {
      if (settled) {
        res.destroy();
        return;
      }
      settled = true;
      const out = new PassThrough();
      body = out;
      // An abandoned, unread body must not crash the process when its idle timer fires; readers still get the error.
      out.on('error', () => {});
      res.on('error', (e) => out.destroy((failure ?? mapNetworkError(e)) as Error));
      res.on('close', () => {
        if (!res.complete) out.destroy((failure ?? truncatedError()) as Error);
      });
      out.on('close', () => {
        cleanup();
        req.destroy();
      });
      res.pipe(out);
      resolve({ res, body: out, remoteAddress });
    });

    o.signal?.addEventListener('abort', onAbort, { once: true });
    req.end();
  });
}
