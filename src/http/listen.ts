import { chmod, lstat, unlink } from 'node:fs/promises';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

/**
 * Starts listening where the configuration says: HOST:PORT, or a Unix socket (LISTEN_SOCKET) for a
 * reverse proxy on the same machine: nginx's hop to Vetted then skips the TCP stack on both sides
 * (every media request passes Vetted's access check first).
 */
export async function listen(app: FastifyInstance, config: Pick<Config, 'port' | 'host' | 'listenSocket'>): Promise<void> {
  if (!config.listenSocket) {
    await app.listen({ port: config.port, host: config.host });
    return;
  }
  await removeStaleSocket(config.listenSocket);
  await app.listen({ path: config.listenSocket });
  // Open to local processes, as 127.0.0.1:PORT would be: the proxy runs as another user. A folder only the proxy's
  // group may enter narrows it (deploy/nginx.conf).
  await chmod(config.listenSocket, 0o666);
}

/** A socket left by a process that died is removed; one that answers belongs to a running Vetted: refuse. */
async function removeStaleSocket(file: string): Promise<void> {
  const st = await lstat(file).catch(() => undefined);
  if (!st) return;
  if (!st.isSocket()) throw new Error(`LISTEN_SOCKET ${file} exists and is not a socket: choose another path or remove it`);
  const answers = await new Promise<boolean>((resolve) => {
    const c = net.connect(file);
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });
  if (answers) throw new Error(`Another process is listening on LISTEN_SOCKET ${file}: stop it first`);
  await unlink(file);
}
