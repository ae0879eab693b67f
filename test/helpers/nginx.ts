import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
export { freePort } from './free-port.js';

/**
 * Debian's nginx as a child process for tests and the benchmark: a generated main config in a temp
 * folder (`daemon off`, pid, logs and temp paths inside it), on loopback ports only. Started by root,
 * its workers stay root, since `nobody` could not read a private temp folder.
 */

/** The shipped `deploy/nginx.conf` with its machine-specific values replaced; each must be there to replace. */
/** `upstream`: Vetted's loopback port, or the path of its Unix socket (LISTEN_SOCKET). */
export async function shippedSite(opts: { port: number; upstream: number | string; mediaRoot: string; accessLog: string | 'off' }): Promise<string> {
  let site = await readFile(path.resolve('deploy/nginx.conf'), 'utf8');
  const swaps: Array<[string, string]> = [
    ['listen 80;', `listen 127.0.0.1:${opts.port};`],
    ['server 127.0.0.1:3000;', typeof opts.upstream === 'string' ? `server unix:${opts.upstream};` : `server 127.0.0.1:${opts.upstream};`],
    ['alias /var/lib/vetted/media/;', `alias ${opts.mediaRoot}/;`],
    [
      'access_log /var/log/nginx/vetted.access.log vetted;',
      opts.accessLog === 'off' ? 'access_log off;' : `access_log ${opts.accessLog} vetted;`,
    ],
  ];
  for (const [from, to] of swaps) {
    if (!site.includes(from)) throw new Error(`deploy/nginx.conf no longer has "${from}"`);
    site = site.replace(from, to);
  }
  return site;
}

export interface NginxChild {
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts nginx with `sites` (server blocks and their maps) inside `http {}`, and waits until `readyUrl` answers. */
export async function startNginx(prefix: string, sites: string[], readyUrl: string, workers: number | 'auto' = 1): Promise<NginxChild> {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];
  for (const d of temp) await mkdir(path.join(prefix, d), { recursive: true });
  const conf = [
    'daemon off;',
    process.getuid?.() === 0 ? 'user root;' : '',
    `worker_processes ${workers};`,
    `pid ${prefix}/nginx.pid;`,
    `error_log ${prefix}/error.log warn;`,
    'events { worker_connections 2048; }',
    'http {',
    '  default_type application/octet-stream;',
    ...temp.map((d) => `  ${d}_temp_path ${prefix}/${d};`),
    ...sites,
    '}',
  ].join('\n');
  await writeFile(path.join(prefix, 'nginx.conf'), conf);
  const child = spawn('nginx', ['-c', path.join(prefix, 'nginx.conf'), '-p', prefix, '-e', path.join(prefix, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const until = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx stopped: ${stderr}`);
    if (await fetch(readyUrl).then((r) => (void r.arrayBuffer(), true)).catch(() => false)) break;
    if (Date.now() > until) throw new Error(`nginx did not answer: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGQUIT');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
