import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { access, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, Transform, type Readable } from 'node:stream';
import type { AppContext } from '../api-context.js';
import { VettedError } from '../domain/errors.js';
import { policyFromConfig } from '../net/fetcher.js';
import { capabilitiesOf } from '../ytdlp/capabilities.js';
import { findDeno, findJsRuntime, type JsRuntime } from '../ytdlp/js-runtime.js';
import { currentYtdlp, managedPaths, type YtdlpSource } from '../ytdlp/managed-binary.js';
import { installYtdlp, MAX_PROGRAM_BYTES, rollbackYtdlp, updateYtdlp, versionAgeDays } from '../ytdlp/updater.js';
import { staffEntry } from './actor.js';

/** yt-dlp itself warns after 90 days; YouTube changes faster than that. */
export const OUTDATED_AFTER_DAYS = 90;

export interface AdminWarning {
  code: string;
  message: string;
  detail?: string;
  at?: string;
}

export interface YoutubeStatus {
  backend: string;
  version: string | null;
  ageDays: number | null;
  /** Where the program comes from: the IT person's (YTDLP_PATH), Vetted's managed copy, the system's, or none. */
  source: YtdlpSource;
  runtime: (JsRuntime & { version: string | null }) | null;
  updater: { enabled: boolean; managed: boolean; lastCheck: string | null; lastError: string | null };
  /** The ways through YouTube's blocks that this installation has set up (README: "YouTube from a data centre"). */
  network: { schoolProxy: boolean; potProviderConfigured: boolean; potProvider: boolean; cookies: boolean };
  warnings: AdminWarning[];
}

export interface UpdateResult {
  ok: boolean;
  version?: string;
  error?: string;
  /** Nothing was tried: the updater is off, or YTDLP_PATH is the IT person's. */
  skipped?: boolean;
}

const notManaged = () =>
  new VettedError('youtube_not_managed', 'YTDLP_PATH is set, so your IT person manages yt-dlp; Vetted will not replace it.', { httpStatus: 409 });

function firstLine(program: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(program, args, { timeout: 15_000, maxBuffer: 64 * 1024 }, (err, stdout) => resolve(err ? null : (stdout.split('\n')[0] ?? '').trim() || null));
  });
}

/**
 * The YouTube use cases for the admin console and the command line: what runs and how healthy it is, the update
 * (daily job, button, `npm run cli -- youtube update`), the upload of a program for offline schools, and rollback.
 */
export function youtubeService(ctx: AppContext) {
  const { config } = ctx;
  const repo = ctx.repos.youtube;
  const paths = managedPaths(config.dataDir);
  /** With YTDLP_PATH the IT person manages yt-dlp; Vetted never replaces their program. */
  const managed = !config.ytdlpPath;

  async function status(now = new Date()): Promise<YoutubeStatus> {
    const program = currentYtdlp({ ytdlpPath: config.ytdlpPath, dataDir: config.dataDir });
    const caps = program.path ? await capabilitiesOf(program.path) : undefined;
    const version = caps && caps.version !== 'unknown' ? caps.version : null;
    const ageDays = version ? versionAgeDays(version, now) : null;
    const deno = findDeno();
    const runtime = findJsRuntime({ deno });
    const runtimeVersion = runtime.name === 'deno' ? await firstLine(runtime.path, ['--version']) : process.version;
    const [enabled, updater, recorded, pot] = await Promise.all([repo.updaterEnabled(), repo.updater(), repo.warnings(), repo.potProviderEnabled()]);

    const warnings: AdminWarning[] = [];
    if (config.youtubeBackend === 'ytdl') {
      warnings.push({
        code: 'unmaintained_backend',
        message: 'YOUTUBE_BACKEND=ytdl uses ytdl-core, which is no longer maintained and fails on most videos today. Remove the setting to use yt-dlp.',
      });
    }
    if (!program.path) {
      warnings.push({
        code: 'ytdlp_missing',
        message: managed
          ? 'yt-dlp is not installed. Run the update on this page (or "npm run cli -- youtube update"), or upload the program.'
          : `YTDLP_PATH names a program that is not there (${config.ytdlpPath}).`,
      });
    } else if (!version) {
      warnings.push({ code: 'ytdlp_broken', message: `yt-dlp (${program.path}) does not run. Update it or upload another copy.` });
    }
    if (ageDays !== null && ageDays > OUTDATED_AFTER_DAYS) {
      warnings.push({
        code: 'outdated',
        message: `yt-dlp ${version} is ${ageDays} days old; YouTube changes faster than that. ${managed ? 'Run the update on this page.' : 'Ask your IT person to update it (YTDLP_PATH).'}`,
      });
    }
    if (caps && version && !caps.jsRuntimes) {
      warnings.push({
        code: 'no_js_runtime_support',
        message: `yt-dlp ${version} is too old to use a JavaScript runtime, so YouTube's challenges fail and "made for kids" videos cannot be fetched. Update it.`,
      });
    }
    if (runtime.name !== 'deno') {
      warnings.push({ code: 'runtime_fallback', message: 'Deno was not found (the deno package), so yt-dlp uses Node as its JavaScript runtime. It works; Deno is what yt-dlp recommends.' });
    }
    if (config.youtubeCookiesFile && !(await access(config.youtubeCookiesFile, constants.R_OK).then(() => true, () => false))) {
      warnings.push({ code: 'cookies_unreadable', message: `YOUTUBE_COOKIES_FILE names a file Vetted cannot read (${config.youtubeCookiesFile}), so yt-dlp runs without it.` });
    }
    if (updater.lastError) warnings.push({ code: 'update_failed', message: `The last update of yt-dlp failed: ${updater.lastError}`, ...(updater.lastCheck ? { at: updater.lastCheck } : {}) });
    warnings.push(...recorded);

    return {
      backend: config.youtubeBackend,
      version,
      ageDays,
      source: program.source,
      runtime: { ...runtime, version: runtimeVersion },
      updater: { enabled: enabled && managed, managed, lastCheck: updater.lastCheck, lastError: updater.lastError },
      network: {
        schoolProxy: Boolean(config.youtubeProxy),
        potProviderConfigured: Boolean(config.youtubePotProviderUrl),
        potProvider: Boolean(config.youtubePotProviderUrl) && pot,
        cookies: Boolean(config.youtubeCookiesFile),
      },
      warnings,
    };
  }

  /** Records the outcome; never throws (a failed update must not stop a worker or a job). */
  async function record(work: () => Promise<string>): Promise<UpdateResult> {
    const at = new Date().toISOString();
    try {
      const version = await work();
      await repo.recordUpdate({ lastCheck: at, lastError: null, version });
      // The old program's complaints (too old, no runtime) no longer apply.
      await repo.clearWarnings();
      return { ok: true, version };
    } catch (e) {
      const error = e instanceof VettedError ? e.message : `Unexpected failure: ${e instanceof Error ? e.message : String(e)}`;
      const previous = await repo.updater().catch(() => ({ version: null }));
      await repo.recordUpdate({ lastCheck: at, lastError: error, version: previous.version }).catch(() => undefined);
      return { ok: false, error };
    }
  }

  return {
    status,
    paths,
    managed,

    async setUpdaterEnabled(on: boolean, by: { id: string; ip: string | null }): Promise<void> {
      await repo.setUpdaterEnabled(on, by.id);
      await ctx.repos.audit.record(staffEntry(by, 'youtube.updater', 'setting:youtube_updater_enabled', { enabled: on }));
    },

    /**
     * The PO-token provider is off until an admin turns it on: while on, yt-dlp may load plugins (the provider's lives
     * in a plugin folder) and Vetted's proxy lets it reach the provider's address, however private.
     */
    async setPotProviderEnabled(on: boolean, by: { id: string; ip: string | null }): Promise<void> {
      if (on && !config.youtubePotProviderUrl) {
        throw new VettedError(
          'youtube_pot_not_configured',
          'No PO-token provider is set up on this server. Your IT person sets YOUTUBE_POT_PROVIDER_URL first (see the README).',
          { httpStatus: 409 },
        );
      }
      await repo.setPotProviderEnabled(on, by.id);
      await ctx.repos.audit.record(staffEntry(by, 'youtube.pot_provider', 'setting:youtube_pot_provider_enabled', { enabled: on }));
    },

    /** The admin console's settings form: either switch or both, then the status it shows. */
    async changeSettings(change: { updaterEnabled?: boolean; potProviderEnabled?: boolean }, by: { id: string; ip: string | null }) {
      if (change.potProviderEnabled !== undefined) await this.setPotProviderEnabled(change.potProviderEnabled, by);
      if (change.updaterEnabled !== undefined) await this.setUpdaterEnabled(change.updaterEnabled, by);
      return status();
    },

    /** An admin's upload of the program (see `install`), then the status the console shows. */
    async installAndReport(body: Readable, by: { id: string; ip: string | null }) {
      const { version } = await this.install(body, by);
      return { version, status: await status() };
    },

    /** "Update now": a job for a worker (yt-dlp runs there, and a download of 35 MB does not hold a request open). */
    async requestUpdate(by: { id: string; ip: string | null }): Promise<void> {
      if (!managed) throw notManaged();
      await ctx.producer.enqueueYtdlpUpdateNow();
      await ctx.repos.audit.record(staffEntry(by, 'youtube.update', 'program:yt-dlp'));
    },

    /** The daily job passes `scheduled`: then a turned-off updater does nothing. */
    async update(o: { scheduled?: boolean; signal?: AbortSignal } = {}): Promise<UpdateResult> {
      if (!managed) return { ok: false, skipped: true, error: 'YTDLP_PATH is set: the IT person manages yt-dlp.' };
      if (o.scheduled && !(await repo.updaterEnabled())) return { ok: true, skipped: true };
      return record(async () => {
        const policy = policyFromConfig(config);
        const outcome = await updateYtdlp({ paths, releaseUrl: config.ytdlpReleaseUrl, policy, ...(o.signal ? { signal: o.signal } : {}) });
        return outcome.version;
      });
    },

    async rollback(): Promise<UpdateResult> {
      if (!managed) return { ok: false, error: 'YTDLP_PATH is set: the IT person manages yt-dlp.' };
      return record(() => rollbackYtdlp(paths));
    },

    /** An admin's upload (offline schools): streamed to disk, size-limited, run once, then swapped in. */
    async install(body: Readable, by: { id: string; ip: string | null }) {
      if (!managed) throw notManaged();
      await mkdir(paths.dir, { recursive: true });
      const incoming = path.join(paths.dir, `incoming-${randomUUID()}`);
      let received = 0;
      const limit = new Transform({
        transform(chunk: Buffer, _enc, next) {
          received += chunk.length;
          next(
            received > MAX_PROGRAM_BYTES
              ? new VettedError('upload_too_large', `The file is larger than the ${MAX_PROGRAM_BYTES / 1024 ** 2} MB a yt-dlp program can be.`, { httpStatus: 413 })
              : null,
            chunk,
          );
        },
      });
      try {
        await new Promise<void>((resolve, reject) => pipeline(body, limit, createWriteStream(incoming, { mode: 0o700 }), (e) => (e ? reject(e) : resolve())));
        if (received === 0) throw new VettedError('upload_empty', 'The file is empty.', { httpStatus: 400 });
        const result = await record(() => installYtdlp(paths, incoming));
        await ctx.repos.audit.record(staffEntry(by, 'youtube.upload', 'program:yt-dlp', { ok: result.ok, version: result.version ?? null }));
        if (!result.ok) throw new VettedError('youtube_upload_broken', result.error ?? 'The uploaded program did not run.', { httpStatus: 422 });
        return { version: result.version as string };
      } finally {
        await rm(incoming, { force: true });
      }
    },
  };
}

export type YoutubeService = ReturnType<typeof youtubeService>;
