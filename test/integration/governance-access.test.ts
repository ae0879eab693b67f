import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTableOf, type RouteRule } from '../../src/http/route-table.js';
import { addStaff, buildTestApp, childEnv, createTestEnv, makeClassAndPlaylist, signIn, type TestApp, type TestEnv, signInAdminAndTeacher } from '../helpers/harness.js';
import { auditActions, makeItem } from '../helpers/governance.js';
import { cli as runCli } from '../helpers/processes.js';

// Who may call what, over every route the app registers, and the account rules around sessions:
// logout, disable, password change, admin reset, rate limits and cross-site requests on admin routes.
let t: TestEnv;
let app: TestApp;
let admin: string;
let teacher: string;
let classA: Awaited<ReturnType<typeof makeClassAndPlaylist>>;
let classB: Awaited<ReturnType<typeof makeClassAndPlaylist>>;
let itemA: { id: string; media_generation: number };

const FAKE_ID = '00000000-0000-4000-8000-000000000000';
const UNKNOWN_TOKEN = 'unknownboardtoken0123456789';

beforeAll(async () => {
  t = await createTestEnv();
  app = await buildTestApp(t);
  ({ admin, teacher } = await signInAdminAndTeacher(t, app));
  classA = await makeClassAndPlaylist(app, teacher);
  classB = await makeClassAndPlaylist(app, teacher);
  itemA = await makeItem(t, classA.playlistId, { status: 'approved' });
});

afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

function urlFor(route: RouteRule, token: string, id = FAKE_ID): string {
  return route.url
    .replace(':token', token)
    .replace(':id', id)
    .replace(':generation', '0')
    .replace(':file', 'video.mp4')
    .replace(/:[A-Za-z]+/g, 'x');
}

/** A body that fails validation where there is a schema: access is decided before it, and nothing changes. */
async function call(route: RouteRule, opts: { cookie?: string; token?: string; id?: string } = {}) {
  const hasBody = !['GET', 'HEAD', 'DELETE'].includes(route.method);
  // An event stream that opens stays open: read its status, then hang up.
  const streaming = ['GET', 'HEAD'].includes(route.method) && route.url.endsWith('/events');
  const res = await app.inject({
    method: route.method as 'GET',
    url: urlFor(route, opts.token ?? UNKNOWN_TOKEN, opts.id),
    headers: opts.cookie ? { cookie: opts.cookie } : {},
    ...(hasBody ? { payload: { unexpected: "'); DROP TABLE items; --" } } : {}),
    ...(streaming ? { payloadAsStream: true } : {}),
  });
  if (streaming) res.stream().destroy();
  return res;
}

describe('the access matrix over every route', () => {
  let routes: RouteRule[];
  beforeAll(() => {
    routes = [...routeTableOf(app)];
  });

  it('sees every route, each with an access rule, including the governance ones', () => {
    expect(routes.length).toBeGreaterThan(40);
    const urls = routes.map((r) => `${r.method} ${r.url}`);
    for (const expected of [
      'GET /api/admin/users',
      'POST /api/admin/incidents/:id/resolve',
      'POST /api/board/:token/items/:id/report',
      'POST /api/items/:id/report',
      'POST /api/admin/purge',
      'GET /api/admin/audit',
      'GET /healthz',
      'GET /readyz',
      'GET /metrics',
      'GET /api/openapi.json',
      'GET /api/auth/methods',
      'GET /api/auth/oidc/start',
      'GET /api/auth/oidc/callback',
      'PUT /api/admin/sign-in',
      'POST /api/items/:id/viewing',
      'GET /api/review-queue',
      'GET /api/attention/events',
    ]) {
      expect(urls).toContain(expected);
    }
  });

  it('has no public state-changing route but sign-in and board pairing', () => {
    const publicWrites = routes.filter((r) => r.access === 'anyone' && !['GET', 'HEAD'].includes(r.method)).map((r) => `${r.method} ${r.url}`);
    // Pairing a board exchanges a short-lived code for a board token; nothing else public may change state.
    const known = new Set(['POST /api/login', 'POST /api/pair']);
    expect(publicWrites).toContain('POST /api/login');
    expect(publicWrites.filter((r) => !known.has(r))).toEqual([]);
    expect(routes.filter((r) => r.url.startsWith('/api/admin/')).every((r) => r.access === 'admin')).toBe(true);
  });

  it('anonymous: 401 on session, staff and admin routes; board routes answer 404 to an unknown token', async () => {
    for (const route of routes) {
      const res = await call(route);
      const label = `${route.method} ${route.url} (${route.access})`;
      if (route.access === 'anyone') expect([401, 403], label).not.toContain(res.statusCode);
      else if (route.access === 'board') expect(res.statusCode, label).toBe(404);
      else expect(res.statusCode, label).toBe(401);
    }
  });

  it('a board token is no staff credential: used as a session cookie it gets 401', async () => {
    for (const route of routes.filter((r) => ['session', 'staff', 'admin'].includes(r.access))) {
      const res = await call(route, { cookie: `vetted_session=${classA.boardToken}` });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
    }
  });

  it('teacher: staff and session routes pass the access check; admin routes answer 403', async () => {
    for (const route of routes.filter((r) => r.access !== 'anyone' && r.access !== 'board')) {
      const cookie = route.url === '/api/logout' ? await signIn(app, 'teacher@school.test') : teacher;
      const res = await call(route, { cookie });
      const label = `${route.method} ${route.url} (${route.access})`;
      if (route.access === 'admin') {
        expect(res.statusCode, label).toBe(403);
        if (route.method !== 'HEAD') expect(res.json().error.code, label).toBe('forbidden');
      } else {
        expect([401, 403], label).not.toContain(res.statusCode);
      }
    }
  });

  it('admin: every staff, session and admin route passes the access check', async () => {
    for (const route of routes.filter((r) => r.access !== 'anyone' && r.access !== 'board')) {
      const cookie = route.url === '/api/logout' ? await signIn(app, 'head@school.test') : admin;
      const res = await call(route, { cookie });
      expect([401, 403], `${route.method} ${route.url} → ${res.statusCode}`).not.toContain(res.statusCode);
    }
  });

  it('board routes: the own token sees its class; another class’s token gets 404 for this class’s item', async () => {
    const board = routes.filter((r) => r.access === 'board' && r.method !== 'HEAD' && !r.url.endsWith('/events'));
    for (const route of board) {
      const other = await call(route, { token: classB.boardToken, id: itemA.id });
      expect(other.statusCode, `${route.method} ${route.url} with another class's token`).toBe(route.url.includes(':id') ? 404 : 200);
    }
    const own = await app.inject({ method: 'GET', url: `/api/board/${classA.boardToken}` });
    expect(own.statusCode).toBe(200);
    expect(own.json().playlists[0].items.map((i: { id: string }) => i.id)).toEqual([itemA.id]);
    const media = await app.inject({ method: 'GET', url: `/media/board/${classA.boardToken}/${itemA.id}/${itemA.media_generation}/video.mp4` });
    expect(media.statusCode).toBe(200);
    // The other class's board cannot report (and so cannot hide) this class's item.
    const report = await app.inject({ method: 'POST', url: `/api/board/${classB.boardToken}/items/${itemA.id}/report`, payload: { note: 'x' } });
    expect(report.statusCode).toBe(404);
    expect((await t.ctx.repos.items.get(itemA.id))!.status).toBe('approved');
  });

  it('governors can read the same rules: GET /api/admin/routes lists every route with its rule', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/admin/routes', headers: { cookie: admin } });
    const listed = res.json().routes as RouteRule[];
    expect(listed).toContainEqual({ method: 'POST', url: '/api/admin/purge', access: 'admin' });
    expect(listed).toContainEqual({ method: 'POST', url: '/api/board/:token/items/:id/report', access: 'board' });
    expect(listed.length).toBe(routes.filter((r) => r.method !== 'HEAD').length);
  });
});

describe('sessions', () => {
  it('a session replayed after logout is refused on admin routes too', async () => {
    const session = await signIn(app, 'head@school.test');
    expect((await app.inject({ method: 'GET', url: '/api/admin/users', headers: { cookie: session } })).statusCode).toBe(200);
    await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie: session } });
    const replay = await app.inject({ method: 'GET', url: '/api/admin/users', headers: { cookie: session } });
    expect(replay.statusCode).toBe(401);
  });

  it('disabling an account ends its sessions at once; re-enabling lets the person sign in again', async () => {
    await addStaff(t, 'leaver@school.test');
    const session = await signIn(app, 'leaver@school.test');
    const id = (await t.ctx.repos.users.byEmail('leaver@school.test'))!.id;
    const off = await app.inject({ method: 'PATCH', url: `/api/admin/users/${id}`, headers: { cookie: admin }, payload: { disabled: true } });
    expect(off.json().user).toMatchObject({ disabled: true, activeSessions: 0 });
    expect((await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: session } })).statusCode).toBe(401);
    await expect(signIn(app, 'leaver@school.test')).rejects.toThrow(/401/);
    await app.inject({ method: 'PATCH', url: `/api/admin/users/${id}`, headers: { cookie: admin }, payload: { disabled: false } });
    const again = await signIn(app, 'leaver@school.test');
    expect((await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: again } })).statusCode).toBe(200);
    const actions = (await auditActions(app, admin, `target=user:${id}`)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.disable', 'user.enable', 'login.failed']));
  });

  it('a role change applies to open sessions at once', async () => {
    await addStaff(t, 'deputy@school.test');
    const session = await signIn(app, 'deputy@school.test');
    const id = (await t.ctx.repos.users.byEmail('deputy@school.test'))!.id;
    expect((await app.inject({ method: 'GET', url: '/api/admin/users', headers: { cookie: session } })).statusCode).toBe(403);
    await app.inject({ method: 'PATCH', url: `/api/admin/users/${id}`, headers: { cookie: admin }, payload: { role: 'admin' } });
    expect((await app.inject({ method: 'GET', url: '/api/admin/users', headers: { cookie: session } })).statusCode).toBe(200);
    await app.inject({ method: 'PATCH', url: `/api/admin/users/${id}`, headers: { cookie: admin }, payload: { role: 'teacher' } });
    expect((await app.inject({ method: 'GET', url: '/api/admin/users', headers: { cookie: session } })).statusCode).toBe(403);
  });

  it('changing one’s password ends every other session; the browser that changed it stays in', async () => {
    await addStaff(t, 'changer@school.test');
    const laptop = await signIn(app, 'changer@school.test');
    const tablet = await signIn(app, 'changer@school.test');
    const weak = await app.inject({ method: 'POST', url: '/api/password', headers: { cookie: laptop }, payload: { currentPassword: 'correct horse battery', newPassword: 'password1234' } });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.code).toBe('password_weak');
    const wrong = await app.inject({ method: 'POST', url: '/api/password', headers: { cookie: laptop }, payload: { currentPassword: 'not my password', newPassword: 'frogs leap over the pond at dawn' } });
    expect(wrong.statusCode).toBe(403);
    const res = await app.inject({
      method: 'POST',
      url: '/api/password',
      headers: { cookie: laptop },
      payload: { currentPassword: 'correct horse battery', newPassword: 'frogs leap over the pond at dawn' },
    });
    expect(res.statusCode).toBe(200);
    const fresh = `vetted_session=${res.cookies.find((c) => c.name === 'vetted_session')!.value}`;
    expect((await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: fresh } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: tablet } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: laptop } })).statusCode).toBe(401);
    await expect(signIn(app, 'changer@school.test')).rejects.toThrow(/401/);
    await signIn(app, 'changer@school.test', 'frogs leap over the pond at dawn');
  });

  it('after an admin reset only the temporary password works, and only to choose a new one', async () => {
    await addStaff(t, 'forgetful@school.test');
    const old = await signIn(app, 'forgetful@school.test');
    const id = (await t.ctx.repos.users.byEmail('forgetful@school.test'))!.id;
    const reset = await app.inject({ method: 'POST', url: `/api/admin/users/${id}/reset-password`, headers: { cookie: admin } });
    expect(reset.statusCode).toBe(200);
    const temporary = reset.json().temporaryPassword as string;
    expect(reset.json().user.mustChangePassword).toBe(true);
    expect((await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: old } })).statusCode).toBe(401);

    const login = await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'forgetful@school.test', password: temporary } });
    expect(login.json().mustChangePassword).toBe(true);
    const session = await signIn(app, 'forgetful@school.test', temporary);
    const blocked = await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: session } });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('password_change_required');
    const changed = await app.inject({ method: 'POST', url: '/api/password', headers: { cookie: session }, payload: { currentPassword: temporary, newPassword: 'my own sentence about owls' } });
    expect(changed.statusCode).toBe(200);
    const fresh = `vetted_session=${changed.cookies.find((c) => c.name === 'vetted_session')!.value}`;
    expect((await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: fresh } })).statusCode).toBe(200);
    await expect(signIn(app, 'forgetful@school.test', temporary)).rejects.toThrow(/401/);
  });
});

describe('sign-in rate limits', () => {
  const login = (email: string, password: string, ip: string) =>
    app.inject({ method: 'POST', url: '/api/login', payload: { email, password }, remoteAddress: ip });

  it('locks an account after 5 failures in 15 minutes, even for the right password, with Retry-After', async () => {
    await addStaff(t, 'target@school.test');
    for (let i = 0; i < 5; i++) expect((await login('target@school.test', `wrong guess ${i}`, `198.51.100.${i + 1}`)).statusCode).toBe(401);
    const locked = await login('target@school.test', 'correct horse battery', '198.51.100.99');
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('too_many_attempts');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(900);
    // Another account from one of those addresses is not affected.
    expect((await login('teacher@school.test', 'correct horse battery', '198.51.100.1')).statusCode).toBe(200);
    const entries = await auditActions(app, admin, 'action=login.*');
    expect(entries.filter((e) => e.action === 'login.failed' && e.ip?.startsWith('198.51.100.')).length).toBe(5);
    expect(entries.some((e) => e.action === 'login.locked')).toBe(true);
  });

  it('locks an address after 20 failures in 15 minutes, whatever the emails', async () => {
    for (let i = 0; i < 20; i++) expect((await login(`nobody${i}@school.test`, 'wrong password here', '203.0.113.7')).statusCode).toBe(401);
    const locked = await login('teacher@school.test', 'correct horse battery', '203.0.113.7');
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['retry-after']).toBeDefined();
    expect((await login('teacher@school.test', 'correct horse battery', '203.0.113.8')).statusCode).toBe(200);
  });
});

describe('cross-site requests on admin routes', () => {
  it('refuses a foreign Origin, Sec-Fetch-Site: cross-site and form posts', async () => {
    const add = await app.inject({
      method: 'POST',
      url: '/api/admin/users',
      headers: { cookie: admin, origin: 'https://evil.example' },
      payload: { email: 'mallory@evil.example', role: 'admin', password: 'a long enough password' },
    });
    expect(add.statusCode).toBe(403);
    expect(add.json().error.code).toBe('cross_site_request');
    const reminder = await app.inject({ method: 'PUT', url: '/api/admin/reminder', headers: { cookie: admin, 'sec-fetch-site': 'cross-site' }, payload: { text: 'hacked' } });
    expect(reminder.statusCode).toBe(403);
    const purge = await app.inject({
      method: 'POST',
      url: '/api/admin/purge',
      headers: { cookie: admin, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'dryRun=false',
    });
    expect(purge.statusCode).toBe(415);
    const erase = await app.inject({ method: 'POST', url: `/api/admin/users/${FAKE_ID}/erase`, headers: { cookie: admin, origin: 'null' } });
    expect(erase.statusCode).toBe(403);
    expect(await t.ctx.repos.users.byEmail('mallory@evil.example')).toBeUndefined();
  });
});

describe('account verbs of the CLI', () => {
  const cli = (...args: string[]) => runCli(childEnv(t), args);

  it('disables, re-enables and resets a password (the temporary one works only to choose a new one)', async () => {
    await addStaff(t, 'cli.user@school.test');
    const session = await signIn(app, 'cli.user@school.test');
    const off = await cli('user', 'disable', '--email', 'CLI.user@school.test');
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toContain('Disabled cli.user@school.test');
    expect((await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: session } })).statusCode).toBe(401);
    const reset = await cli('user', 'reset-password', '--email', 'cli.user@school.test');
    const temporary = /Temporary password[^:]*: (\S+)/.exec(reset.stdout)![1]!;
    await expect(signIn(app, 'cli.user@school.test', temporary)).rejects.toThrow(/401/);
    expect((await cli('user', 'enable', '--email', 'cli.user@school.test')).code).toBe(0);
    const login = await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'cli.user@school.test', password: temporary } });
    expect(login.json().mustChangePassword).toBe(true);
    const unknown = await cli('user', 'disable', '--email', 'nobody@school.test');
    expect(unknown.code).toBe(1);
    const weak = await cli('user', 'add', '--email', 'weak@school.test', '--password', 'password1234', '--role', 'teacher');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('most common passwords');
    const actions = (await auditActions(app, admin, 'actor=system&action=user.*')).map((e) => e.action);
    expect(actions).toEqual(['user.enable', 'user.reset_password', 'user.disable']);
  });
});
