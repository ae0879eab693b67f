import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * A database or Redis server run as a child of Vetted. It gets its own process group, so a Ctrl-C
 * in the terminal reaches Vetted only, and Vetted stops the servers after the API and worker have
 * finished with them. Its output goes to ours, each line prefixed with its name.
 */
export interface ChildServer {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or signal) when the server stops, expectedly or not. */
  readonly exited: Promise<string>;
  /** The last lines it printed, for an error message when it fails to start. */
  recentOutput(): string;
  stop(signal: NodeJS.Signals, graceMs: number): Promise<void>;
}

export function startChildServer(
  name: string,
  command: string,
  args: string[],
  opts: { cwd?: string; uid?: number; gid?: number; log: (line: string) => void },
): ChildServer {
  const spawnOpts: SpawnOptions = {
    cwd: opts.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // A child's bare environment (no secrets of ours), not a setting: only the program search path is passed on.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
  };
  if (opts.uid !== undefined) Object.assign(spawnOpts, { uid: opts.uid, gid: opts.gid });
  const child = spawn(command, args, spawnOpts);
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      opts.log(`[${name}] ${line}`);
    });
  }
  const exited = new Promise<string>((resolve) => {
    child.once('error', (e) => resolve(`could not be started (${e.message})`));
    child.once('exit', (code, signal) => resolve(signal ? `stopped by ${signal}` : `exited with code ${code}`));
  });
  return {
    name,
    process: child,
    exited,
    recentOutput: () => recent.join('\n'),
    async stop(signal, graceMs) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = new Promise<'late'>((r) => setTimeout(() => r('late'), graceMs).unref());
      if ((await Promise.race([exited, timer])) === 'late') {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Polls `ready` until it succeeds; fails early with the server's own words if it exits meanwhile. */
export async function waitUntilReady(server: ChildServer, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  let exitedWith: string | undefined;
  void server.exited.then((how) => (exitedWith = how));
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (exitedWith) throw new Error(`${server.name} ${exitedWith} while starting:\n${server.recentOutput()}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > until) throw new Error(`${server.name} did not become ready within ${timeoutMs / 1000} s:\n${server.recentOutput()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
