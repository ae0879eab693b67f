import { promises as fs } from 'node:fs';
import path from 'node:path';
import { identityOf, isAlive, type ProcessIdentity } from './processes.js';

/**
 * One Vetted per DATA_DIR when it runs its own database and Redis: two would start two
 * PostgreSQL servers on one data folder. The lock file names the holder (pid + start time) and the
 * child processes it started, so after a crash or `kill -9` the next start knows the lock is stale
 * and which left-over children to stop.
 */
export interface LockRecord {
  holder: ProcessIdentity;
  children: Record<string, ProcessIdentity>;
}

export class InstanceRunningError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: ProcessIdentity,
  ) {
    super(
      `Another Vetted (process ${holder.pid}) is already running on the data folder ${dataDir}. ` +
        'Stop it first, or give this one its own DATA_DIR.',
    );
  }
}

export interface InstanceLock {
  /** What the previous, dead holder left running (to be stopped before starting afresh). */
  readonly leftOver: Record<string, ProcessIdentity>;
  /** Records a child process, so a later start can stop it if this process dies without doing so. */
  recordChild(name: string, pid: number | undefined): Promise<void>;
  forgetChild(name: string): Promise<void>;
  release(): Promise<void>;
}

export const lockPath = (dataDir: string) => path.join(dataDir, 'vetted.lock');

async function readRecord(file: string): Promise<LockRecord | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as LockRecord;
    return parsed?.holder?.pid ? { holder: parsed.holder, children: parsed.children ?? {} } : undefined;
  } catch {
    return undefined; // missing, or half-written by a process killed while writing it
  }
}

/** The live Vetted holding the data folder, if any (the CLI uses its servers instead of starting its own). */
export async function liveHolder(dataDir: string): Promise<ProcessIdentity | undefined> {
  const rec = await readRecord(lockPath(dataDir));
  return rec && isAlive(rec.holder) && rec.holder.pid !== process.pid ? rec.holder : undefined;
}

export async function acquireInstanceLock(dataDir: string): Promise<InstanceLock> {
  await fs.mkdir(dataDir, { recursive: true });
  const file = lockPath(dataDir);
  const me = identityOf(process.pid);
  if (!me) throw new Error('cannot read this process from /proc (Vetted needs Linux)');
  const record: LockRecord = { holder: me, children: {} };
  let leftOver: Record<string, ProcessIdentity> = {};

  for (let attempt = 0; ; attempt++) {
    // Written whole to a private name, then linked into place: link() fails if the lock exists,
    // so of two processes starting at once exactly one wins, and nobody reads a half-written lock.
    const tmp = `${file}.${process.pid}`;
    await fs.writeFile(tmp, JSON.stringify(record));
    try {
      await fs.link(tmp, file);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 3) throw e;
      const old = await readRecord(file);
      if (old && isAlive(old.holder)) throw new InstanceRunningError(dataDir, old.holder);
      // Stale: its holder crashed or was killed. Keep the list of children it left behind.
      leftOver = { ...leftOver, ...(old?.children ?? {}) };
      await fs.rm(file, { force: true });
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  const save = async () => {
    const tmp = `${file}.${process.pid}`;
    await fs.writeFile(tmp, JSON.stringify(record));
    await fs.rename(tmp, file);
  };
  return {
    leftOver,
    async recordChild(name, pid) {
      const id = pid ? identityOf(pid) : undefined;
      if (!id) return;
      record.children[name] = id;
      await save();
    },
    async forgetChild(name) {
      delete record.children[name];
      await save();
    },
    async release() {
      const current = await readRecord(file);
      if (current && current.holder.pid === me.pid && current.holder.startTime === me.startTime) await fs.rm(file, { force: true });
    },
  };
}
