import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './harness.js';

/**
 * Processes a test runs beside itself — an API, a worker, the whole service, the CLI — with their output kept for
 * the test to read and to show when something goes wrong.
 */
export interface StartedProcess {
  child: ChildProcess;
  /** Everything it has written so far, stdout and stderr together. */
  output(): string;
  /** Its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

/** `node <args>` in the given environment. */
export function startNode(args: string[], env: NodeJS.ProcessEnv): StartedProcess {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

/**
 * A TypeScript entry point (`src/server.ts`, `src/worker/main.ts`) run by `node --import tsx`, not by the tsx
 * command: that one runs the script in a child process of its own, which a SIGKILL of the command would leave
 * running (and finishing the job a test means to orphan).
 */
export function startTypeScript(script: string, env: NodeJS.ProcessEnv): StartedProcess {
  return startNode(['--import', 'tsx', script], env);
}

/** Resolves once the process has written `line`; fails with its output if it exits first or takes too long. */
export async function untilOutput(p: StartedProcess, line: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => {
    if (p.output().includes(line)) return true;
    if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error(`exited (${p.child.exitCode ?? p.child.signalCode}) before "${line}":\n${p.output()}`);
    return false;
  }, timeoutMs, 50);
}

const run = promisify(execFile);

/** `npm run cli -- <args>` in the given environment: its exit code and output, never a throw. */
export async function cli(env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(path.resolve('node_modules/.bin/tsx'), ['src/cli.ts', ...args], { env, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}
