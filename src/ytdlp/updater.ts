/**
 * Keeps Vetted's own yt-dlp current, safely. YouTube changes often (yt-dlp's default clients changed eleven times in
 * eighteen months) and yt-dlp itself warns after 90 days, so a pinned copy in an image goes stale. An update:
 * 1. reads the release's SHA2-256SUMS and downloads the standalone program, both through the guarded fetcher;
 * 2. verifies the program against the sums (a wrong or missing sum: nothing is installed);
 * 3. runs it (`--version`) before it goes anywhere near the workers;
 * 4. swaps it in with a rename (a run never sees half a file), keeping the previous copy beside it;
 * 5. runs the installed copy once more and, if that fails, puts the previous one back.
 * Failures are errors for the caller to record and show; nothing here stops the service.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, link, mkdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { VettedError, isVettedError } from '../domain/errors.js';
import { downloadToFile, fetchBuffer, type FetchPolicy, type NetTestHooks } from '../net/fetcher.js';
import type { YtdlpPaths } from './managed-binary.js';

const SUMS_FILE = 'SHA2-256SUMS';
const SMOKE_TIMEOUT_MS = 60_000;
/** The standalone release is a single PyInstaller file of about 35 MB. */
export const MAX_PROGRAM_BYTES = 256 * 1024 * 1024;
const LOCK_STALE_MS = 15 * 60_000;

/** The release file that runs without Python on this machine. */
export function standaloneAsset(arch: string = os.arch(), platform: string = os.platform()): string {
  if (platform === 'linux') return arch === 'arm64' ? 'yt-dlp_linux_aarch64' : 'yt-dlp_linux';
  if (platform === 'darwin') return 'yt-dlp_macos';
  return 'yt-dlp';
}

/** The sum for `asset` from a SHA2-256SUMS file (`<hex>  <name>` per line, `*` before binary names). */
export function sumFor(sums: string, asset: string): string | undefined {
  for (const line of sums.split(/\r?\n/)) {
    const m = /^([a-fA-F0-9]{64})\s+\*?(\S+)\s*$/.exec(line.trim());
    if (m && m[2] === asset) return (m[1] as string).toLowerCase();
  }
  return undefined;
}

/** Days since a yt-dlp version's date (versions are dates: 2026.11.20, or 2026.11.20.123456 for nightlies). */
export function versionAgeDays(version: string, now = new Date()): number | null {
  const m = /^(\d{4})\.(\d{1,2})\.(\d{1,2})/.exec(version.trim());
  if (!m) return null;
  const released = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Math.max(0, Math.floor((now.getTime() - released) / 86_400_000));
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function updateError(code: string, message: string, cause?: unknown): VettedError {
  const err = new VettedError(code, message, { httpStatus: 502 });
  if (cause !== undefined) err.cause = cause;
  return err;
}

/** `--version` of a candidate program: it must run and print a yt-dlp version, or it is refused. */
export function smokeTest(program: string, timeoutMs = SMOKE_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, ['--ignore-config', '--version'], { timeout: timeoutMs, maxBuffer: 64 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      const version = stdout.trim().split(/\s+/)[0] ?? '';
      if (err || !/^\d{4}\.\d{1,2}\.\d{1,2}(\.\d+)?$/.test(version)) {
        const why = err ? err.message : `it printed "${stdout.trim().slice(0, 80)}" instead of a version`;
        reject(
          updateError('youtube_update_broken', 'The new yt-dlp did not run on this server, so the previous one was kept.', new Error(`${why} ${String(stderr).slice(0, 300)}`.trim())),
        );
        return;
      }
      resolve(version);
    });
  });
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** One update at a time per folder (two workers may share DATA_DIR); a lock older than 15 minutes is a crash's. */
async function withLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  await mkdir(dir, { recursive: true });
  const lock = path.join(dir, '.update.lock');
  try {
    await mkdir(lock);
  } catch {
    const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age < LOCK_STALE_MS) throw updateError('youtube_update_busy', 'An update of yt-dlp is already running. Try again in a few minutes.');
    await rmdir(lock).catch(() => undefined);
    await mkdir(lock);
  }
  try {
    return await work();
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
}

/**
 * Puts `candidate` (a file in the same folder, already verified) in place of the current program, keeping the current
 * one as `previous`; runs the installed copy and restores the previous one if it does not run.
 */
async function swapIn(paths: YtdlpPaths, candidate: string): Promise<string> {
  await chmod(candidate, 0o755);
  const version = await smokeTest(candidate);
  const hadCurrent = await exists(paths.current);
  if (hadCurrent) {
    await rm(paths.previous, { force: true });
    // A second name for the running copy: `current` is never missing, not even between the two renames.
    await link(paths.current, paths.previous).catch(() => copyFile(paths.current, paths.previous));
  }
  await rename(candidate, paths.current);
  try {
    return await smokeTest(paths.current).then(() => version);
  } catch (e) {
    if (hadCurrent) await copyFile(paths.previous, `${paths.current}.restore`).then(() => rename(`${paths.current}.restore`, paths.current));
    else await rm(paths.current, { force: true });
    throw e;
  }
}

export interface UpdateOptions {
  paths: YtdlpPaths;
  /** Base URL of a release: `<base>/SHA2-256SUMS` and `<base>/<asset>`. */
  releaseUrl: string;
  policy: FetchPolicy;
  asset?: string;
  signal?: AbortSignal;
  testHooks?: NetTestHooks;
}

export type UpdateOutcome = { status: 'updated'; version: string } | { status: 'current'; version: string };

export async function updateYtdlp(o: UpdateOptions): Promise<UpdateOutcome> {
  const asset = o.asset ?? standaloneAsset();
  const policy: FetchPolicy = { ...o.policy, maxBytes: MAX_PROGRAM_BYTES };
  return withLock(o.paths.dir, async () => {
    let expected: string | undefined;
    try {
      const sums = await fetchBuffer(`${o.releaseUrl}/${SUMS_FILE}`, { policy: { ...policy, maxBytes: 1024 * 1024 }, signal: o.signal, testHooks: o.testHooks });
      expected = sumFor(sums.body.toString('utf8'), asset);
    } catch (e) {
      throw updateError('youtube_update_unreachable', `The yt-dlp release could not be downloaded: ${isVettedError(e) ? e.message : 'the server could not reach it'}`, e);
    }
    if (!expected) throw updateError('youtube_update_unverifiable', `The release lists no checksum for ${asset}, so it was not installed.`);
    if ((await exists(o.paths.current)) && (await sha256File(o.paths.current)) === expected) {
      return { status: 'current', version: await smokeTest(o.paths.current) };
    }
    const candidate = path.join(o.paths.dir, 'yt-dlp.download');
    await rm(candidate, { force: true });
    try {
      try {
        await downloadToFile(`${o.releaseUrl}/${asset}`, candidate, { policy, signal: o.signal, testHooks: o.testHooks });
      } catch (e) {
        throw updateError('youtube_update_unreachable', `The yt-dlp release could not be downloaded: ${isVettedError(e) ? e.message : 'the server could not reach it'}`, e);
      }
      const actual = await sha256File(candidate);
      if (actual !== expected) {
        throw updateError(
          'youtube_update_checksum',
          'The downloaded yt-dlp does not match the checksum its release publishes, so it was not installed.',
          new Error(`expected ${expected}, got ${actual}`),
        );
      }
      return { status: 'updated', version: await swapIn(o.paths, candidate) };
    } finally {
      await rm(candidate, { force: true });
    }
  });
}

/** For offline schools: a program an admin uploaded, run once before it replaces the current one. */
export async function installYtdlp(paths: YtdlpPaths, file: string): Promise<string> {
  return withLock(paths.dir, async () => {
    const candidate = path.join(paths.dir, 'yt-dlp.upload');
    try {
      await rm(candidate, { force: true });
      await rename(file, candidate).catch(() => copyFile(file, candidate));
      return await swapIn(paths, candidate);
    } finally {
      await rm(candidate, { force: true });
    }
  });
}

/** Back to the copy before the last update (the two trade places, so a second rollback undoes the first). */
export async function rollbackYtdlp(paths: YtdlpPaths): Promise<string> {
  return withLock(paths.dir, async () => {
    if (!(await exists(paths.previous))) throw updateError('youtube_update_no_previous', 'There is no previous yt-dlp to go back to.');
    const version = await smokeTest(paths.previous);
    const spare = `${paths.current}.swap`;
    await rm(spare, { force: true });
    if (await exists(paths.current)) await link(paths.current, spare).catch(() => copyFile(paths.current, spare));
    await rename(paths.previous, paths.current);
    if (await exists(spare)) await rename(spare, paths.previous);
    return version;
  });
}
