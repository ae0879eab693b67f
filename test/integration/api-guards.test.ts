import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, childEnv, createTestEnv, makeClassAndPlaylist, signIn, signInTeacher, type TestApp, type TestEnv } from '../helpers/harness.js';
import { cli as runCli } from '../helpers/processes.js';

// The API's front door: what a link may point at, who may call what, and requests that are too big
// or come from another site. The allow list is empty here, as in a real school.
let t: TestEnv;
let app: TestApp;
let cookie: string;
let playlistId: string;

beforeAll(async () => {
  t = await createTestEnv({ FETCH_ALLOW_PRIVATE: '' });
  app = await buildTestApp(t);
  cookie = await signInTeacher(t, app);
  playlistId = (await makeClassAndPlaylist(app, cookie)).playlistId;
});

afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

const submit = (url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/items', headers: { cookie, ...headers }, payload: { url, playlistId } });

describe('links that may not be fetched are refused at submit', () => {
  const loopbackSpellings = [
    'http://localhost/v.mp4',
    'http://LOCALHOST:8080/v.mp4',
    'http://[::1]/v.mp4',
    'http://[::]/v.mp4',
    'http://0.0.0.0/v.mp4',
    'http://127.1/v.mp4',
    'http://2130706433/v.mp4',
    'http://0x7f.1/v.mp4',
    'http://0177.0.0.1/v.mp4',
    'http://[::ffff:127.0.0.1]/v.mp4',
    'http://10.0.0.5/v.mp4',
    'http://169.254.169.254/latest/meta-data/',
    'http://192.168.1.1/v.mp4',
    'http://[fd00::1]/v.mp4',
  ];
  for (const url of loopbackSpellings) {
    it(`refuses ${url} (no connection is made: the address is judged before any fetch)`, async () => {
      const res = await submit(url);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('fetch_blocked_address');
    });
  }

  for (const url of ['file:///etc/passwd', 'ftp://example.org/v.mp4', 'gopher://example.org/', 'data:video/mp4;base64,AAAA', 'javascript:alert(1)']) {
    it(`refuses the scheme of ${url}`, async () => {
      const res = await submit(url);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('url_scheme');
    });
  }

  it('refuses credentials in the URL', async () => {
    const res = await submit('http://user:secret@127.0.0.1/v.mp4');
    expect(res.json().error.code).toBe('url_credentials');
  });

  it('refuses something that is not a link', async () => {
    const res = await submit('not a link at all');
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('url_invalid');
  });

  it('creates no item for any refused link', async () => {
    const list = (await app.inject({ method: 'GET', url: `/api/playlists/${playlistId}`, headers: { cookie } })).json();
    expect(list.items).toEqual([]);
  });
});

describe('request shape', () => {
  it('answers a 10 MB JSON body with 413 and a clear error, and keeps serving', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/items',
      headers: { cookie, 'content-type': 'application/json' },
      payload: JSON.stringify({ url: 'http://example.org/' + 'a'.repeat(10 * 1024 * 1024), playlistId }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('body_too_large');
    expect((await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie } })).statusCode).toBe(200);
  });

  it('answers bad JSON and missing fields with 400', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/items', headers: { cookie, 'content-type': 'application/json' }, payload: '{"url":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_json');
    const missing = await app.inject({ method: 'POST', url: '/api/items', headers: { cookie }, payload: { url: 'http://example.org/a.mp4' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({ code: 'invalid_request' });
    expect(missing.json().error.message).toContain('playlistId');
  });

  it('answers an unknown playlist with 404 and a clip whose end is before its start with 400', async () => {
    const unknown = await app.inject({ method: 'POST', url: '/api/items', headers: { cookie }, payload: { url: 'http://93.184.216.34/a.mp4', playlistId: '00000000-0000-4000-8000-000000000000' } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('playlist_not_found');
    const clip = await app.inject({ method: 'POST', url: '/api/items', headers: { cookie }, payload: { url: 'http://93.184.216.34/a.mp4', playlistId, startSeconds: 10, endSeconds: 5 } });
    expect(clip.statusCode).toBe(400);
    expect(clip.json().error.code).toBe('clip_invalid');
  });
});

describe('cross-site requests', () => {
  it('refuses a state change whose Origin is another site', async () => {
    const res = await submit('http://93.184.216.34/a.mp4', { origin: 'https://evil.example' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('cross_site_request');
  });
  it('refuses Sec-Fetch-Site: cross-site', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/classes', headers: { cookie, 'sec-fetch-site': 'cross-site' }, payload: { name: 'x' } });
    expect(res.statusCode).toBe(403);
  });
  it('refuses a form post (not JSON)', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/classes',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'name=Hacked',
    });
    expect(res.statusCode).toBe(415);
    const plain = await app.inject({ method: 'POST', url: '/api/classes', headers: { cookie, 'content-type': 'text/plain' }, payload: '{"name":"Hacked"}' });
    expect(plain.statusCode).toBe(415);
  });
  it('accepts the same request from its own origin', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/classes', headers: { cookie, origin: 'http://127.0.0.1:3000' }, payload: { name: 'Owls' } });
    expect(res.statusCode).toBe(201);
  });
});

describe('sessions', () => {
  it('refuses staff routes without a session, and with a wrong password', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/classes' })).json().error.code).toBe('not_signed_in');
    const bad = await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'teacher@school.test', password: 'wrong password here' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error.code).toBe('invalid_credentials');
  });

  it('asks for the reminder before anything else, then lets the teacher in', async () => {
    const fresh = await signIn(app, 'teacher@school.test', undefined, false);
    const blocked = await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: fresh } });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('reminder_not_acknowledged');
    const me = (await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: fresh } })).json();
    expect(me.reminderAcknowledged).toBe(false);
    const ack = await app.inject({ method: 'POST', url: '/api/reminder/acknowledge', headers: { cookie: fresh }, payload: { version: me.reminderVersion } });
    expect(ack.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: fresh } })).statusCode).toBe(200);
  });

  it('ends the session at logout; replaying the cookie is refused', async () => {
    const session = await signIn(app, 'teacher@school.test');
    expect((await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie: session } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: session } })).statusCode).toBe(401);
  });

  it('sets an httpOnly, SameSite session cookie', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'teacher@school.test', password: 'correct horse battery' } });
    const c = res.cookies.find((x) => x.name === 'vetted_session')!;
    expect(c.httpOnly).toBe(true);
    expect(c.sameSite).toBe('Strict');
    expect(res.json()).toMatchObject({ user: { email: 'teacher@school.test', role: 'teacher' }, reminderVersion: 1 });
    expect(res.json().reminder.length).toBeGreaterThan(20);
  });
});

describe('the CLI', () => {
  const cli = (...args: string[]) => runCli(childEnv(t), args);

  it('adds a staff account who can then sign in; a second add of the same email fails with exit 1', async () => {
    const ok = await cli('user', 'add', '--email', 'Head@School.test', '--password', 'a long enough password', '--role', 'admin');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Created admin head@school.test');
    const login = await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'head@school.test', password: 'a long enough password' } });
    expect(login.json().user.role).toBe('admin');
    const again = await cli('user', 'add', '--email', 'head@school.test', '--password', 'a long enough password', '--role', 'admin');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
  });

  it('refuses a short password and an unknown role with exit 1', async () => {
    const short = await cli('user', 'add', '--email', 'x@school.test', '--password', 'short', '--role', 'teacher');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('at least 12 characters');
    const role = await cli('user', 'add', '--email', 'x@school.test', '--password', 'long enough password', '--role', 'pupil');
    expect(role.code).toBe(1);
  });
});
