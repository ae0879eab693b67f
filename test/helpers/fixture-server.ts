import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FixtureHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * A stand-in for remote sites, on 127.0.0.1 only. Routes map a path to a handler; `hits` counts
 * requests per path so tests can see retries.
 */
export async function startFixtureServer(routes: Record<string, FixtureHandler> = {}) {
  const hits = new Map<string, number>();
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const p = (req.url ?? '/').split('?')[0]!;
    hits.set(p, (hits.get(p) ?? 0) + 1);
    const handler = routes[p];
    if (!handler) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    handler(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (p: string) => `http://127.0.0.1:${port}${p}`,
    routes,
    hits,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

export function serveFile(file: string, contentType = 'video/mp4'): FixtureHandler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': contentType, 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  };
}
