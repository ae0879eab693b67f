import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * A process named by its pid *and* its start time (field 22 of /proc/<pid>/stat), so a pid file
 * left by a crash is never mistaken for a live process when the pid has been reused since.
 */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (state === 'Z' || state === 'X') return undefined; // a zombie has finished its work
    return fields[19];
  } catch {
    return undefined;
  }
}

export function identityOf(pid: number): ProcessIdentity | undefined {
  const startTime = startTimeOf(pid);
  return startTime ? { pid, startTime } : undefined;
}

export function isAlive(id: ProcessIdentity): boolean {
  return startTimeOf(id.pid) === id.startTime;
}

export function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

export async function waitUntilGone(id: ProcessIdentity, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (isAlive(id)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Sends `signal`, waits, then SIGKILL: for processes left behind by a supervisor that was killed. */
export async function terminate(id: ProcessIdentity, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (!isAlive(id)) return;
  try {
    process.kill(id.pid, signal);
  } catch {
    return;
  }
  if (await waitUntilGone(id, graceMs)) return;
  try {
    process.kill(id.pid, 'SIGKILL');
  } catch {
    return;
  }
  await waitUntilGone(id, 5000);
}

/** uid and gid of a system account, or undefined when it does not exist. */
export function systemUser(name: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}
