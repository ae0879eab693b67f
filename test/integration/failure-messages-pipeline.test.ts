/**
 * Issue 15, "messages a teacher can act on", through the real pipeline: every way a fetch fails ends with a sentence
 * that names the cause (no internet on the server, no such site, the site refused, nothing at the link, not a video),
 * promises another try only while one is scheduled (and says when), fits a page or a video, and a link typed without
 * http(s):// is tried as a teacher means it. Names are looked up in a DNS server of the test's own on 127.0.0.1
 * (DNS_SERVERS); sites are fixtures on 127.0.0.1; nothing leaves the machine.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorkers } from '../../src/worker/runtime.js';
import { CONTROL_ANSWERS, startFakeDns, type FakeDns } from '../helpers/fake-dns.js';
import { fixturesDir, makeFixture } from '../helpers/fixtures-media.js';
import { serveFile, startFixtureServer } from '../helpers/fixture-server.js';
import { deskFor, type Desk } from '../helpers/desk.js';
import { freePort } from '../helpers/free-port.js';
import { buildTestApp, createTestEnv, makeClassAndPlaylist, signInTeacher, waitFor, type TestApp, type TestEnv } from '../helpers/harness.js';
import { startTestWorkers } from '../helpers/workers.js';

let t: TestEnv;
let app: TestApp;
let workers: RunningWorkers;
let cookie: string;
let dns: FakeDns;
let site: Awaited<ReturnType<typeof startFixtureServer>>;
let closedPort: number;
let videos: string;
let sites: string;
let desk: Desk;

const ARTICLE = `<!doctype html><html lang="en"><head><title>Frogs | Pond Facts</title></head><body><article><h1>All about frogs</h1>
<p>Frogs are amphibians. They start life as tadpoles in ponds and grow legs as they get older.</p>
<p>Most frogs eat insects, which they catch with their long sticky tongues. Frogs can jump many times their own length.</p>
<p>In winter some frogs sleep at the bottom of ponds, and wake up when the water warms in spring.</p></article></body></html>`;

beforeAll(async () => {
  dns = await startFakeDns({ 'frogs.test': '127.0.0.1', 'www.frogs.test': '127.0.0.1', 'vanishing.test': '127.0.0.1', ...CONTROL_ANSWERS });
  // Backoff 200 ms (doubling): four tries take under two seconds, and the note between tries is there to be seen.
  t = await createTestEnv({ DNS_SERVERS: dns.server, JOB_BACKOFF_MS: '200', FETCH_CONNECT_TIMEOUT_MS: '600' });
  app = await buildTestApp(t);
  workers = await startTestWorkers(t);
  cookie = await signInTeacher(t, app);
  desk = deskFor(app, cookie);
  videos = (await makeClassAndPlaylist(app, cookie, 'videos')).playlistId;
  sites = (await makeClassAndPlaylist(app, cookie, 'sites')).playlistId;
  const dir = await fixturesDir(t);
  const mp4 = await makeFixture('h264', path.join(dir, 'clip.mp4'), { seconds: 1 });
  site = await startFixtureServer({
    '/frogs.html': (_q, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(ARTICLE),
    '/clip.mp4': serveFile(mp4),
    '/page-not-video.mp4': (_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(ARTICLE),
    '/private.html': (_q, res) => res.writeHead(403, { 'content-type': 'text/html' }).end('<h1>Members only</h1>'),
    '/busy.mp4': (_q, res) => res.writeHead(503).end('busy'),
  });
  closedPort = await freePort();
}, 60_000);

afterAll(async () => {
  await workers?.close(1000);
  await app?.close();
  await site?.close();
  await dns?.close();
  await t?.cleanup();
});

const at = (host: string, p: string, port = site.port) => `http://${host}:${port}${p}`;

/** Submitted, accepted, and failed: the item as the desk then shows it. */
async function failsWith(url: string, playlistId: string, code: string) {
  const res = await desk.submit(url, playlistId);
  expect(res.statusCode, res.body).toBe(202);
  const item = await desk.settled(res.json().id);
  expect(item.status).toBe('failed');
  expect(item.error.code).toBe(code);
  // A failed item never promises anything: nothing more happens by itself.
  expect(item.error.message).not.toMatch(/will try again/);
  if (item.kind === 'webpage') expect(item.error.message).not.toMatch(/video|upload/i);
  return item;
}

/** Watches an item through its retries: every note seen while it waits names when and which try. */
async function notesUntilSettled(id: string): Promise<string[]> {
  const notes = new Set<string>();
  await waitFor(async () => {
    const row = await t.ctx.repos.items.get(id);
    if (row?.error_message && row.status !== 'failed') notes.add(row.error_message);
    return row && ['awaiting_review', 'failed'].includes(row.status);
  }, 30_000, 10);
  return [...notes];
}

describe('a link typed without http(s)://', () => {
  it('is tried with https:// first and, as the site has no secure version, fetched with http:// (and the checks say so)', async () => {
    const res = await desk.submit(`frogs.test:${site.port}/frogs.html`, sites);
    expect(res.statusCode).toBe(202);
    expect(res.json().url).toBe(`https://frogs.test:${site.port}/frogs.html`);
    const item = await desk.settled(res.json().id);
    expect(item.status).toBe('awaiting_review');
    expect(item.url).toBe(`http://frogs.test:${site.port}/frogs.html`);
    expect(item.checks.plainHttp).toBe(true);
    expect(item.title).toMatch(/frogs/i);
  });

  it('a link with https:// written out is not changed behind the teacher’s back', async () => {
    const item = await failsWith(`https://frogs.test:${site.port}/frogs.html`, sites, 'fetch_not_secure');
    expect(item.error.message).toMatch(/does not offer a secure \(https:\/\/\) connection.*http:\/\//);
  });
});

describe('names that do not resolve', () => {
  it('a name that does not exist is refused at once as a likely typo', async () => {
    const res = await desk.submit('http://frgos.test/frogs.html', sites);
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'fetch_dns' });
    expect(res.json().error.message).toMatch(/no site has this name\. Check the link for typos/);
  });

  it('a site whose name disappears after the link was added fails without retrying, as not found', async () => {
    // The name goes right after the submit's lookup (its A and AAAA questions), before the worker's.
    dns.after('vanishing.test', 2, () => dns.names.delete('vanishing.test'));
    const res = await desk.submit(at('vanishing.test', '/frogs.html'), sites);
    expect(res.statusCode).toBe(202);
    const item = await desk.settled(res.json().id);
    expect(item.error.code).toBe('fetch_dns');
    expect(item.error.message).toMatch(/could not be found/);
  });
});

describe('the site refused, had nothing, was busy, or was not a video', () => {
  it('a refused connection says so, retries while it says when, then says Vetted stopped (a page: no upload advice)', async () => {
    const res = await desk.submit(at('frogs.test', '/frogs.html', closedPort), sites);
    const notes = await notesUntilSettled(res.json().id);
    expect(notes.length).toBeGreaterThan(0);
    for (const note of notes) expect(note).toMatch(/^The site refused the connection.*Vetted will try again in (a few seconds|about \d+ seconds) \(try [234] of 4\)\.$/);
    const item = await desk.item(res.json().id);
    expect(item.error.code).toBe('fetch_refused');
    expect(item.error.message).toMatch(/Vetted tried 4 times and has stopped\. Press “Try again” when it should work\.$/);
  });

  it('a page that is not there (404) says so in words for a page', async () => {
    const item = await failsWith(at('frogs.test', '/no-such-page.html'), sites, 'fetch_not_found');
    expect(item.error.message).toMatch(/nothing at this link \(HTTP 404/);
  });

  it('a page the site keeps to itself (403)', async () => {
    const item = await failsWith(at('frogs.test', '/private.html'), sites, 'fetch_http_status');
    expect(item.error.message).toMatch(/refused access \(HTTP 403\).*Share a link that opens without signing in/);
  });

  it('a busy site (503) for a video: the way out offers the file', async () => {
    const item = await failsWith(at('frogs.test', '/busy.mp4'), videos, 'fetch_server_error');
    expect(item.error.message).toMatch(/having trouble right now \(HTTP 503\)\. Vetted tried 4 times and has stopped\. .*upload the video file if you have it\.$/);
  });

  it('a web page where a video was expected', async () => {
    const item = await failsWith(at('frogs.test', '/page-not-video.mp4'), videos, 'not_a_video');
    expect(item.error.message).toMatch(/opens a web page, not a video file/);
  });
});

describe('no internet on the server', () => {
  // The resolver answers "server failure" for every name (its upstream is gone), or nothing at all.
  for (const [what, p, playlist, mode] of [
    ['an ordinary page', '/frogs.html', () => sites, 'failing'],
    ['a direct video link', '/clip.mp4', () => videos, 'silent'],
  ] as const) {
    it(`${what} fetched while the connection is down says so, not "check for typos" (DNS ${mode})`, async () => {
      const host = `offline-${mode}.test`;
      dns.names.set(host, '127.0.0.1');
      if (mode === 'failing') dns.mode = mode;
      // Silent: the connection goes right after the link is added (the submit's two questions), before the worker looks.
      else dns.after(host, 2, () => (dns.mode = mode));
      // Either way the link is kept: the teacher's paste is not lost to the server's outage.
      const res = await desk.submit(at(host, p), playlist());
      expect(res.statusCode).toBe(202);
      try {
        const notes = await notesUntilSettled(res.json().id);
        for (const note of notes) expect(note).toMatch(/no internet connection.*Vetted will try again .* \(try [234] of 4\)\.$/);
        const item = await desk.item(res.json().id);
        expect(item.status).toBe('failed');
        expect(item.error.code).toBe('fetch_offline');
        expect(item.error.message).toMatch(/^The server has no internet connection right now/);
        expect(item.error.message).not.toMatch(/typo|will try again/);
        expect(item.error.message).toMatch(what === 'an ordinary page' ? /when it should work\.$/ : /upload the video file if you have it\.$/);
      } finally {
        dns.mode = 'answer';
      }
    });
  }
});
