/**
 * The yt-dlp updater against a release server on 127.0.0.1 (the same layout as a GitHub release: SHA2-256SUMS and
 * the standalone program). The "programs" are small sh scripts that print a version, as yt-dlp does. Then the same
 * through the admin API, the daily job's handler and the upload for offline schools, with the real Postgres.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, stat, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { policyFromConfig } from '../../src/net/fetcher.js';
import { runYtdlpUpdateJob } from '../../src/worker/handlers/ytdlp-update.js';
import { managedPaths } from '../../src/ytdlp/managed-binary.js';
import { rollbackYtdlp, smokeTest, sumFor, updateYtdlp, versionAgeDays } from '../../src/ytdlp/updater.js';
import { youtubeService } from '../../src/services/youtube.js';
import { youtubeSourceFor } from '../../src/worker/stages/youtube.js';
import type { ItemRow } from '../../src/db/schema.js';
import { startFixtureServer, type FixtureHandler } from '../helpers/fixture-server.js';
import { addStaff, buildTestApp, createTestEnv, signIn, type TestApp, type TestEnv } from '../helpers/harness.js';
import { vettedFailure } from '../helpers/errors.js';

vi.setConfig({ testTimeout: 20_000, hookTimeout: 60_000 });

const program = (version: string, exit = 0) => `#!/bin/sh\n[ "$2" = "--version" ] && { echo ${version}; exit ${exit}; }\necho "yt-dlp ${version}"\nexit ${exit}\n`;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const ASSET = 'yt-dlp_linux';

const releases: Record<string, { sums: string; body: string }> = {};
function release(name: string, body: string, sums = `${sha(body)}  ${ASSET}\n${sha('other')}  yt-dlp.exe\n`) {
  releases[name] = { sums, body };
}
release('v1', program('2026.10.01'));
release('v2', program('2026.11.20'));
release('badsum', program('2026.11.21'), `${sha('something else')}  ${ASSET}\n`);
release('nosum', program('2026.11.22'), `${sha('x')}  yt-dlp_macos\n`);
release('broken', program('2026.11.23', 1));
release('garbage', '#!/bin/sh\necho "Hello"\n');

let server: Awaited<ReturnType<typeof startFixtureServer>>;
const dir = mkdtempSync(path.join(os.tmpdir(), 'vetted-updater-'));
const policy = policyFromConfig({ fetchAllowPrivate: ['127.0.0.1'], maxDownloadBytes: 1024, connectTimeoutMs: 2_000, idleTimeoutMs: 5_000 });

beforeAll(async () => {
  const routes: Record<string, FixtureHandler> = {};
  for (const [name, r] of Object.entries(releases)) {
    routes[`/${name}/SHA2-256SUMS`] = (_q, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(r.sums);
    routes[`/${name}/${ASSET}`] = (_q, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(r.body);
  }
  server = await startFixtureServer(routes);
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const versionOf = async (file: string) => smokeTest(file);

describe('the updater, alone', () => {
  const paths = managedPaths(path.join(dir, 'alone'));
  const update = (name: string) => updateYtdlp({ paths, releaseUrl: server.url(`/${name}`), policy, asset: ASSET });

  it('installs a verified release, keeps the previous one, and knows when it is current', async () => {
    expect(await update('v1')).toEqual({ status: 'updated', version: '2026.10.01' });
    expect(await versionOf(paths.current)).toBe('2026.10.01');
    expect((await stat(paths.current)).mode & 0o111).not.toBe(0);
    expect(await update('v2')).toEqual({ status: 'updated', version: '2026.11.20' });
    expect(await versionOf(paths.previous)).toBe('2026.10.01');
    const downloads = server.hits.get(`/v2/${ASSET}`);
    expect(await update('v2')).toEqual({ status: 'current', version: '2026.11.20' });
    expect(server.hits.get(`/v2/${ASSET}`)).toBe(downloads);
  });

  it('refuses a release whose checksum does not match, or that lists none', async () => {
    expect((await vettedFailure(update('badsum'))).code).toBe('youtube_update_checksum');
    expect((await vettedFailure(update('nosum'))).code).toBe('youtube_update_unverifiable');
    expect(await versionOf(paths.current)).toBe('2026.11.20');
  });

  it('keeps the working copy when the new one fails its smoke test', async () => {
    const broken = await vettedFailure(update('broken'));
    expect(broken.code).toBe('youtube_update_broken');
    expect((await vettedFailure(update('garbage'))).code).toBe('youtube_update_broken');
    expect(await versionOf(paths.current)).toBe('2026.11.20');
    expect(await versionOf(paths.previous)).toBe('2026.10.01');
  });

  it('says so when the release cannot be reached, and changes nothing', async () => {
    const offline = await vettedFailure(updateYtdlp({ paths, releaseUrl: 'http://127.0.0.1:9/none', policy, asset: ASSET }));
    expect(offline.code).toBe('youtube_update_unreachable');
    // Without FETCH_ALLOW_PRIVATE the guarded fetcher does not even try a loopback address.
    const guarded = await vettedFailure(updateYtdlp({ paths, releaseUrl: server.url('/v1'), policy: { ...policy, allow: [] }, asset: ASSET }));
    expect(guarded.code).toBe('youtube_update_unreachable');
    expect(guarded.message).toMatch(/private network/);
    expect(await versionOf(paths.current)).toBe('2026.11.20');
  });

  it('rolls back to the previous copy, and forward again', async () => {
    expect(await rollbackYtdlp(paths)).toBe('2026.10.01');
    expect(await versionOf(paths.current)).toBe('2026.10.01');
    expect(await versionOf(paths.previous)).toBe('2026.11.20');
    expect(await rollbackYtdlp(paths)).toBe('2026.11.20');
  });

  it('reads sums and version ages', () => {
    expect(sumFor(`${'a'.repeat(64)} *${ASSET}\n`, ASSET)).toBe('a'.repeat(64));
    expect(sumFor('garbage', ASSET)).toBeUndefined();
    expect(versionAgeDays('2026.08.01', new Date('2026-11-30T12:00:00Z'))).toBe(121);
    expect(versionAgeDays('unknown')).toBeNull();
  });
});

describe('the updater in the service, the job and the admin console', () => {
  let t: TestEnv;
  let app: TestApp;
  let admin: string;
  let teacher: string;

  beforeAll(async () => {
    t = await createTestEnv({ YTDLP_RELEASE_URL: server.url('/v1') });
    app = await buildTestApp(t);
    await addStaff(t, 'head@school.test', 'admin');
    await addStaff(t, 'teacher@school.test');
    admin = await signIn(app, 'head@school.test');
    teacher = await signIn(app, 'teacher@school.test');
  });

  afterAll(async () => {
    await app?.close();
    await t?.cleanup();
  });

  it('GET /api/admin/youtube shows the backend, the version, its age, the runtime and the warnings', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/admin/youtube', headers: { cookie: teacher } })).statusCode).toBe(403);
    const res = await app.inject({ method: 'GET', url: '/api/admin/youtube', headers: { cookie: admin } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ backend: 'yt-dlp', updater: { enabled: true, managed: true, lastCheck: null, lastError: null } });
    expect(body.runtime).toMatchObject({ name: 'deno', path: expect.stringContaining('deno') });
    expect(body.runtime.version).toMatch(/^deno 2\./);
    // Before any update: the system's yt-dlp (Debian's, from 2023), far too old and without runtime support.
    expect(body.source).toBe('system');
    expect(body.ageDays).toBeGreaterThan(90);
    expect(body.warnings.map((w: { code: string }) => w.code)).toEqual(expect.arrayContaining(['outdated', 'no_js_runtime_support']));
    expect(body.network).toEqual({ schoolProxy: false, potProviderConfigured: false, potProvider: false, cookies: false });
    // Nothing to turn on without a provider set up.
    const pot = await app.inject({ method: 'PUT', url: '/api/admin/youtube', headers: { cookie: admin }, payload: { potProviderEnabled: true } });
    expect(pot.statusCode).toBe(409);
    expect(pot.json().error.code).toBe('youtube_pot_not_configured');
    expect((await app.inject({ method: 'PUT', url: '/api/admin/youtube', headers: { cookie: admin }, payload: {} })).statusCode).toBe(400);
  });

  it('shows the ways through that are set up, and a cookies file it cannot read', async () => {
    const set = youtubeService({
      ...t.ctx,
      config: { ...t.config, youtubeProxy: new URL('http://proxy.school.test:3128'), youtubeCookiesFile: path.join(dir, 'no-such-cookies.txt') },
    });
    const status = await set.status();
    expect(status.network).toEqual({ schoolProxy: true, potProviderConfigured: false, potProvider: false, cookies: true });
    expect(status.warnings.map((w) => w.code)).toContain('cookies_unreadable');
  });

  it("the daily job installs the release; the status then shows Vetted's copy", async () => {
    expect(await runYtdlpUpdateJob(t.ctx, { trigger: 'schedule' }, new AbortController().signal)).toBe('done');
    const body = (await app.inject({ method: 'GET', url: '/api/admin/youtube', headers: { cookie: admin } })).json();
    expect(body).toMatchObject({ source: 'managed', version: '2026.10.01', updater: { lastError: null } });
    expect(body.updater.lastCheck).toEqual(expect.any(String));
  });

  it('a failed update is recorded and shown, never thrown', async () => {
    const bad = youtubeService({ ...t.ctx, config: { ...t.config, ytdlpReleaseUrl: server.url('/badsum') } });
    const result = await bad.update();
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/checksum/) });
    const body = (await app.inject({ method: 'GET', url: '/api/admin/youtube', headers: { cookie: admin } })).json();
    expect(body.version).toBe('2026.10.01');
    expect(body.updater.lastError).toMatch(/checksum/);
    expect(body.warnings.map((w: { code: string }) => w.code)).toContain('update_failed');
  });

  it('the admin can turn the daily update off (audited); the job then does nothing, "update now" still works', async () => {
    const off = await app.inject({ method: 'PUT', url: '/api/admin/youtube', headers: { cookie: admin }, payload: { updaterEnabled: false } });
    expect(off.statusCode).toBe(200);
    expect(off.json().updater.enabled).toBe(false);
    expect(await runYtdlpUpdateJob(t.ctx, { trigger: 'schedule' }, new AbortController().signal)).toBe('skipped');
    expect(await runYtdlpUpdateJob(t.ctx, { trigger: 'admin' }, new AbortController().signal)).toBe('done');
    const queued = await app.inject({ method: 'POST', url: '/api/admin/youtube/update', headers: { cookie: admin } });
    expect(queued.statusCode).toBe(202);
    const audit = await t.ctx.db.selectFrom('audit_log').select('action').where('action', 'like', 'youtube.%').execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['youtube.updater', 'youtube.update']));
    const bad = await app.inject({ method: 'PUT', url: '/api/admin/youtube', headers: { cookie: admin }, payload: { updaterEnabled: 'yes' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toEqual(expect.any(String));
  });

  it('an offline school uploads a program: run once, then swapped in; a broken one is refused', async () => {
    const good = await app.inject({
      method: 'POST',
      url: '/api/admin/youtube/program',
      headers: { cookie: admin, 'content-type': 'application/octet-stream' },
      payload: Buffer.from(program('2026.11.25')),
    });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toMatchObject({ version: '2026.11.25', status: { version: '2026.11.25', source: 'managed' } });
    const broken = await app.inject({
      method: 'POST',
      url: '/api/admin/youtube/program',
      headers: { cookie: admin, 'content-type': 'application/octet-stream' },
      payload: Buffer.from('not a program'),
    });
    expect(broken.statusCode).toBe(422);
    expect(broken.json().error.code).toBe('youtube_upload_broken');
    const { current } = managedPaths(t.dataDir);
    expect(await smokeTest(current)).toBe('2026.11.25');
    const teacherTry = await app.inject({
      method: 'POST',
      url: '/api/admin/youtube/program',
      headers: { cookie: teacher, 'content-type': 'application/octet-stream' },
      payload: Buffer.from(program('2026.11.26')),
    });
    expect(teacherTry.statusCode).toBe(403);
    expect(await smokeTest(current)).toBe('2026.11.25');
  });

  it("the pipeline runs Vetted's copy with the runtime and a proxy ticket; its warnings reach the console", async () => {
    // A stand-in yt-dlp, uploaded like an offline school would: it logs its arguments, warns, and refuses as YouTube does.
    const argsLog = path.join(dir, 'pipeline-args.log');
    const fake = [
      '#!/bin/sh',
      'case "$*" in *--version*) echo 2026.11.27; exit 0 ;; *--help*) echo "--js-runtimes --no-js-runtimes --no-remote-components --no-plugin-dirs"; exit 0 ;; esac',
      `printf '%s\\n' "$@" > '${argsLog}'`,
      'echo "WARNING: [youtube] VettedPriv9: There are missing subtitles languages because a PO token was not provided." >&2',
      'echo "ERROR: [youtube] VettedPriv9: Private video. Sign in if you\'ve been granted access to this video" >&2',
      'exit 1',
      '',
    ].join('\n');
    const up = await app.inject({ method: 'POST', url: '/api/admin/youtube/program', headers: { cookie: admin, 'content-type': 'application/octet-stream' }, payload: Buffer.from(fake) });
    expect(up.statusCode).toBe(200);
    const source = youtubeSourceFor(t.ctx);
    const item = { id: 'item-1', url: 'https://www.youtube.com/watch?v=VettedPriv9' } as unknown as ItemRow;
    const err = await vettedFailure(source.fetch({ item, workDir: dir, policy, signal: new AbortController().signal, onProgress: () => {} }));
    expect(err.code).toBe('youtube_private');
    expect(err.message).toMatch(/Ask its owner to make it public or unlisted/);
    const args = (await readFile(argsLog, 'utf8')).trimEnd().split('\n');
    expect(args[args.indexOf('--js-runtimes') + 1]).toMatch(/^deno:\/.*deno$/);
    expect(args[args.indexOf('--proxy') + 1]).toMatch(/^http:\/\/run-[a-f0-9]{32}:x@127\.0\.0\.1:\d+$/);
    expect(args).toContain('--ignore-config');
    expect(args.slice(-2)).toEqual(['--', 'https://www.youtube.com/watch?v=VettedPriv9']);
    await expect
      .poll(async () => (await app.inject({ method: 'GET', url: '/api/admin/youtube', headers: { cookie: admin } })).json().warnings.map((w: { code: string }) => w.code))
      .toContain('po_token');

    // A PO-token provider set up by the IT person stays unused (no plugins, no provider) until an admin turns it on.
    const withPot = { ...t.ctx, config: { ...t.config, youtubePotProviderUrl: 'http://127.0.0.1:4416' } };
    const fetchOnce = () => vettedFailure(youtubeSourceFor(withPot).fetch({ item, workDir: dir, policy, signal: new AbortController().signal, onProgress: () => {} }));
    await fetchOnce();
    let potArgs = (await readFile(argsLog, 'utf8')).trimEnd().split('\n');
    expect(potArgs).toContain('--no-plugin-dirs');
    expect(potArgs).not.toContain('--extractor-args');
    const by = { id: (await t.ctx.repos.users.byEmail('head@school.test'))!.id, ip: null };
    await youtubeService(withPot).setPotProviderEnabled(true, by);
    expect((await youtubeService(withPot).status()).network).toMatchObject({ potProviderConfigured: true, potProvider: true });
    await fetchOnce();
    potArgs = (await readFile(argsLog, 'utf8')).trimEnd().split('\n');
    expect(potArgs).not.toContain('--no-plugin-dirs');
    expect(potArgs[potArgs.indexOf('--extractor-args') + 1]).toBe('youtubepot-bgutilhttp:base_url=http://127.0.0.1:4416');
    expect(potArgs).toContain('--no-remote-components');
    await youtubeService(withPot).setPotProviderEnabled(false, by);
  });

  it('leaves a program the IT person manages (YTDLP_PATH) alone', async () => {
    const mine = path.join(dir, 'it-managed-yt-dlp');
    await writeFile(mine, program('2026.09.09'));
    await chmod(mine, 0o755);
    const it = youtubeService({ ...t.ctx, config: { ...t.config, ytdlpPath: mine } });
    expect(await it.update()).toMatchObject({ ok: false, skipped: true });
    expect(await readFile(mine, 'utf8')).toContain('2026.09.09');
    expect((await it.status()).updater).toMatchObject({ enabled: false, managed: false });
  });
});
