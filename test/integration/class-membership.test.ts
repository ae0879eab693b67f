/**
 * Classes that belong to their teachers (issue 9): every route that acts on a class, a playlist, an item or
 * its media answers 404 to a teacher who is not a member of that class, works for its members and for an
 * admin; members are listed, added and removed; a board link can be rotated and a class deleted, and the old
 * link is dead everywhere at once; board tokens never reach the request log.
 */
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Migrator } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createDb } from '../../src/db/database.js';
import type { ClassScope } from '../../src/http/access.js';
import type { RouteRule } from '../../src/http/route-table.js';
import { routeTableOf } from '../../src/http/route-table.js';
import { migrations } from '../../migrations/index.js';
import { addStaff, BASE_DATABASE_URL, buildTestApp, createTestEnv, makeClassAndPlaylist, signIn, type TestApp, type TestEnv } from '../helpers/harness.js';
import { auditActions, makeItem } from '../helpers/governance.js';
import { openStream } from '../helpers/sse-client.js';

let t: TestEnv;
let app: TestApp;
let admin: string;
let member: string;
let stranger: string;
let memberId: string;
let strangerId: string;

beforeAll(async () => {
  t = await createTestEnv();
  app = await buildTestApp(t);
  await addStaff(t, 'head@school.test', 'admin');
  await addStaff(t, 'robins.teacher@school.test');
  await addStaff(t, 'wrens.teacher@school.test');
  admin = await signIn(app, 'head@school.test');
  member = await signIn(app, 'robins.teacher@school.test');
  stranger = await signIn(app, 'wrens.teacher@school.test');
  memberId = (await t.ctx.repos.users.byEmail('robins.teacher@school.test'))!.id;
  strangerId = (await t.ctx.repos.users.byEmail('wrens.teacher@school.test'))!.id;
});

afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

/** A class of the member teacher's, with a video playlist, a site list and an item waiting for review. */
async function fixture() {
  const cls = await makeClassAndPlaylist(app, member);
  const sites = await app.inject({ method: 'POST', url: '/api/playlists', headers: { cookie: member }, payload: { classId: cls.classId, name: 'Sites', kind: 'sites' } });
  const item = await makeItem(t, cls.playlistId, { status: 'awaiting_review' });
  return { ...cls, sitesId: sites.json().id as string, item };
}
type Fixture = Awaited<ReturnType<typeof fixture>>;

const NOT_FOUND_CODE = { class: 'class_not_found', playlist: 'playlist_not_found', item: 'item_not_found' } as const;

/** A request that would do the route's work if access allowed it: real ids, a valid body. */
function requestFor(route: RouteRule, f: Fixture, cookie: string) {
  const scope = route.scope;
  const idFor = { class: f.classId, playlist: route.url.endsWith('/export') ? f.sitesId : f.playlistId, item: f.item.id };
  let url = route.url
    .replace(':userId', memberId)
    .replace(':generation', String(f.item.media_generation))
    .replace(':file', 'video.mp4')
    .replace(':id', scope ? idFor[scope.kind] : f.item.id);
  const bodies: Record<string, unknown> = {
    'POST /api/classes/:id/members': { email: 'wrens.teacher@school.test' },
    'POST /api/playlists': { classId: f.classId, name: 'Stolen', kind: 'videos' },
    'POST /api/items': { url: 'https://videos.example.org/frogs.mp4', playlistId: f.playlistId },
    'PATCH /api/playlists/:id/order': { itemIds: [f.item.id] },
    'PATCH /api/items/:id': { title: 'Renamed by a stranger' },
    'POST /api/items/:id/report': { note: 'hide this' },
    'POST /api/items/:id/reject': { reason: 'no' },
    'POST /api/items/:id/viewing': { ranges: [[0, 1]] },
  };
  const key = `${route.method} ${route.url}`;
  if (key === 'POST /api/playlists/:id/uploads') {
    url += '?filename=clip.mp4';
    return { method: route.method as 'POST', url, headers: { cookie, 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(64, 1) };
  }
  const hasBody = !['GET', 'HEAD', 'DELETE'].includes(route.method);
  return { method: route.method as 'GET', url, headers: { cookie }, ...(hasBody ? { payload: (bodies[key] ?? {}) as object } : {}) };
}

describe('membership over every route of a class', () => {
  let memberRoutes: Array<RouteRule & { scope: ClassScope }>;
  beforeAll(() => {
    memberRoutes = routeTableOf(app).filter((r): r is RouteRule & { scope: ClassScope } => r.access === 'member' && r.method !== 'HEAD' && !!r.scope);
  });

  it('every route under a class, playlist, item or staff media is a member route', () => {
    const all = routeTableOf(app).filter((r) => r.method !== 'HEAD');
    const classBound = all.filter((r) => /^\/api\/(classes\/:id|playlists|items)|^\/media\/items\//.test(r.url));
    expect(classBound.length).toBeGreaterThan(20);
    expect(classBound.filter((r) => r.access !== 'member').map((r) => `${r.method} ${r.url} (${r.access})`)).toEqual([]);
    for (const expected of ['GET /api/classes/:id', 'POST /api/classes/:id/members', 'DELETE /api/classes/:id/members/:userId', 'POST /api/classes/:id/board/rotate', 'DELETE /api/classes/:id']) {
      expect(memberRoutes.map((r) => `${r.method} ${r.url}`)).toContain(expected);
    }
  });

  it('a teacher who is not a member gets 404 on every one of them, and nothing changes', async () => {
    const f = await fixture();
    for (const route of memberRoutes) {
      const res = await app.inject(requestFor(route, f, stranger));
      const label = `${route.method} ${route.url}`;
      expect(res.statusCode, `${label} → ${res.body.slice(0, 200)}`).toBe(404);
      expect(res.json().error.code, label).toBe(NOT_FOUND_CODE[route.scope.kind]);
    }
    // The class, its board link, its members, playlists and item are as they were.
    const cls = (await t.ctx.repos.classes.get(f.classId))!;
    expect(cls.board_token).toBe(f.boardToken);
    expect((await t.ctx.repos.classMembers.list(f.classId)).map((m) => m.email)).toEqual(['robins.teacher@school.test']);
    expect((await t.ctx.repos.playlists.listByClasses([f.classId])).length).toBe(2);
    const item = (await t.ctx.repos.items.get(f.item.id))!;
    expect(item).toMatchObject({ status: 'awaiting_review', title: f.item.title, media_generation: f.item.media_generation });
    expect((await t.ctx.repos.items.listByPlaylist(f.playlistId)).length).toBe(1);
    // Nor does the class show in the stranger's list.
    const list = await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: stranger } });
    expect(list.json().classes.map((c: { id: string }) => c.id)).not.toContain(f.classId);
  });

  it('a member and an admin pass the membership check on every one of them', async () => {
    for (const [who, cookie] of [['member', member], ['admin', admin]] as const) {
      for (const route of memberRoutes) {
        // A fresh class each time: some of these routes delete what they act on.
        const f = await fixture();
        const res = await app.inject(requestFor(route, f, cookie));
        const label = `${who}: ${route.method} ${route.url} → ${res.statusCode} ${res.body.slice(0, 200)}`;
        expect([401, 403], label).not.toContain(res.statusCode);
        expect(res.statusCode, label).toBeLessThan(500);
        if (res.statusCode === 404) expect(res.json().error.code, label).not.toBe(NOT_FOUND_CODE[route.scope.kind]);
      }
    }
  });

  it('a malformed id is refused by its shape (400), never looked up', async () => {
    for (const url of ['/api/items/urn:uuid:00000000-0000-4000-8000-000000000000', '/api/classes/%00', '/api/playlists/12345']) {
      const res = await app.inject({ method: 'GET', url, headers: { cookie: member } });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code).toBe('invalid_request');
    }
  });
});

describe('the class list and its members', () => {
  it('a teacher lists their own classes, an admin every class', async () => {
    const f = await fixture();
    const own = await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: member } });
    expect(own.json().classes.map((c: { id: string }) => c.id)).toContain(f.classId);
    const all = await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: admin } });
    expect(all.json().classes.map((c: { id: string }) => c.id)).toContain(f.classId);
    const theirs = await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: stranger } });
    expect(theirs.json().classes.map((c: { id: string }) => c.id)).not.toContain(f.classId);
  });

  it('lists members; a member adds a colleague by email, who then sees the class; removing them takes it away', async () => {
    const f = await fixture();
    const before = await app.inject({ method: 'GET', url: `/api/classes/${f.classId}`, headers: { cookie: member } });
    expect(before.statusCode).toBe(200);
    expect(before.json()).toMatchObject({ id: f.classId, name: 'Robins', members: [{ id: memberId, email: 'robins.teacher@school.test' }] });
    expect(before.json().board.token).toBe(f.boardToken);

    const add = await app.inject({ method: 'POST', url: `/api/classes/${f.classId}/members`, headers: { cookie: member }, payload: { email: 'Wrens.Teacher@school.test' } });
    expect(add.statusCode).toBe(201);
    expect(add.json().members.map((m: { email: string }) => m.email)).toEqual(['robins.teacher@school.test', 'wrens.teacher@school.test']);
    const again = await app.inject({ method: 'POST', url: `/api/classes/${f.classId}/members`, headers: { cookie: member }, payload: { email: 'wrens.teacher@school.test' } });
    expect(again.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: `/api/items/${f.item.id}`, headers: { cookie: stranger } })).statusCode).toBe(200);

    const unknown = await app.inject({ method: 'POST', url: `/api/classes/${f.classId}/members`, headers: { cookie: member }, payload: { email: 'nobody@school.test' } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('user_not_found');

    const remove = await app.inject({ method: 'DELETE', url: `/api/classes/${f.classId}/members/${strangerId}`, headers: { cookie: member } });
    expect(remove.statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: `/api/items/${f.item.id}`, headers: { cookie: stranger } })).statusCode).toBe(404);
    const notMember = await app.inject({ method: 'DELETE', url: `/api/classes/${f.classId}/members/${strangerId}`, headers: { cookie: member } });
    expect(notMember.json().error.code).toBe('member_not_found');

    const actions = (await auditActions(app, admin, `target=class:${f.classId}`)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['class.member_add', 'class.member_remove', 'class.create']));
  });

  it('a class keeps at least one teacher, also when its two teachers remove each other at the same moment', async () => {
    const f = await fixture();
    const last = await app.inject({ method: 'DELETE', url: `/api/classes/${f.classId}/members/${memberId}`, headers: { cookie: member } });
    expect(last.statusCode).toBe(409);
    expect(last.json().error.code).toBe('last_member');
    await app.inject({ method: 'POST', url: `/api/classes/${f.classId}/members`, headers: { cookie: member }, payload: { email: 'wrens.teacher@school.test' } });
    const [a, b] = await Promise.all([
      app.inject({ method: 'DELETE', url: `/api/classes/${f.classId}/members/${strangerId}`, headers: { cookie: member } }),
      app.inject({ method: 'DELETE', url: `/api/classes/${f.classId}/members/${memberId}`, headers: { cookie: stranger } }),
    ]);
    // One wins; the other is refused: the last member (409), or no longer a member at all (404).
    expect([a.statusCode, b.statusCode].filter((c) => c === 204)).toHaveLength(1);
    expect([a.statusCode, b.statusCode].find((c) => c !== 204)).toBeOneOf([404, 409]);
    expect((await t.ctx.repos.classMembers.list(f.classId)).length).toBe(1);
  });

  it('the creator of a new class is its member', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/classes', headers: { cookie: stranger }, payload: { name: 'Wrens' } });
    expect(res.statusCode).toBe(201);
    const members = await t.ctx.repos.classMembers.list(res.json().id);
    expect(members.map((m) => m.id)).toEqual([strangerId]);
  });
});

describe('revocable board links', () => {
  let base: string;
  beforeAll(async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  it('rotating the link kills the old token at once on the board, its media and its open stream', async () => {
    const f = await fixture();
    const shown = await makeItem(t, f.playlistId, { status: 'approved', title: 'Shown' });
    const oldMedia = `/media/board/${f.boardToken}/${shown.id}/${shown.media_generation}/video.mp4`;
    expect((await app.inject({ method: 'GET', url: `/api/board/${f.boardToken}` })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: oldMedia })).statusCode).toBe(200);
    const stream = openStream(`${base}/api/board/${f.boardToken}/events`);
    try {
      await stream.next((e) => e.event === 'board');
      const rotated = await app.inject({ method: 'POST', url: `/api/classes/${f.classId}/board/rotate`, headers: { cookie: member } });
      expect(rotated.statusCode).toBe(200);
      const board = rotated.json().board as { token: string; url: string };
      expect(board.token).not.toBe(f.boardToken);
      expect(board.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(board.url).toBe(`http://127.0.0.1:3000/board/${board.token}`);
      // The open stream hears of it within a moment, not at its next ten-second re-check.
      await stream.next((e) => e.event === 'gone', 2000);

      for (const url of [`/api/board/${f.boardToken}`, oldMedia, `/api/board/${f.boardToken}/events`]) {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(404);
      }
      const report = await app.inject({ method: 'POST', url: `/api/board/${f.boardToken}/items/${shown.id}/report`, payload: { note: 'x' } });
      expect(report.statusCode).toBe(404);
      // The new link works, and so does everything that hands it out.
      expect((await app.inject({ method: 'GET', url: `/api/board/${board.token}` })).json().playlists[0].items.map((i: { id: string }) => i.id)).toEqual([shown.id]);
      expect((await app.inject({ method: 'GET', url: `/media/board/${board.token}/${shown.id}/${shown.media_generation}/video.mp4` })).statusCode).toBe(200);
      const listed = await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: member } });
      expect(listed.json().classes.find((c: { id: string }) => c.id === f.classId).board.token).toBe(board.token);
      const code = (await app.inject({ method: 'POST', url: `/api/classes/${f.classId}/pairing`, headers: { cookie: member } })).json().code;
      const paired = await app.inject({ method: 'POST', url: '/api/pair', payload: { code } });
      expect(paired.json().boardUrl).toBe(board.url);
      const audit = await auditActions(app, admin, `target=class:${f.classId}`);
      expect(audit.map((e) => e.action)).toContain('board.rotate');
      expect(JSON.stringify(audit)).not.toContain(board.token);
    } finally {
      stream.close();
    }
  });

  it('deleting a class kills its board link at once and leaves its items removed for the purge', async () => {
    const f = await fixture();
    const shown = await makeItem(t, f.playlistId, { status: 'approved', title: 'Shown' });
    const stream = openStream(`${base}/api/board/${f.boardToken}/events`);
    try {
      await stream.next((e) => e.event === 'board');
      const res = await app.inject({ method: 'DELETE', url: `/api/classes/${f.classId}`, headers: { cookie: member } });
      expect(res.statusCode).toBe(204);
      await stream.next((e) => e.event === 'gone', 2000);
    } finally {
      stream.close();
    }
    expect((await app.inject({ method: 'GET', url: `/api/board/${f.boardToken}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/media/board/${f.boardToken}/${shown.id}/${shown.media_generation}/video.mp4` })).statusCode).toBe(404);
    for (const id of [shown.id, f.item.id]) expect((await t.ctx.repos.items.get(id))!.status).toBe('removed');
    // Gone for everyone, the admin included, and from every list.
    for (const cookie of [member, admin]) {
      expect((await app.inject({ method: 'GET', url: `/api/classes/${f.classId}`, headers: { cookie } })).statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: `/api/items/${shown.id}`, headers: { cookie } })).statusCode).toBe(404);
      const list = await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie } });
      expect(list.json().classes.map((c: { id: string }) => c.id)).not.toContain(f.classId);
    }
    const audit = await auditActions(app, admin, `target=class:${f.classId}`);
    expect(audit.find((e) => e.action === 'class.delete')?.detail).toMatchObject({ items: 2, approvedItems: 1 });
    const preview = await app.inject({ method: 'POST', url: '/api/admin/purge', headers: { cookie: admin }, payload: { dryRun: true } });
    // Removed items are kept PURGE_AFTER_DAYS (30 here) like any other removed item; they are purge candidates then.
    expect(preview.statusCode).toBe(200);
  });
});

describe('the request log', () => {
  it('never contains a board token', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, next) {
        lines.push(chunk.toString());
        next();
      },
    });
    const logged = await buildApp(t.ctx, { logger: { level: 'info', stream: sink } });
    try {
      const f = await fixture();
      const shown = await makeItem(t, f.playlistId, { status: 'approved' });
      for (const url of [`/api/board/${f.boardToken}`, `/board/${f.boardToken}`, `/media/board/${f.boardToken}/${shown.id}/${shown.media_generation}/video.mp4`, `/api/board/${f.boardToken}/events?x=1`]) {
        await logged.inject({ method: 'GET', url: url.endsWith('events?x=1') ? url.replace(f.boardToken, `${f.boardToken}x`) : url });
      }
      await logged.inject({ method: 'POST', url: `/api/board/${f.boardToken}/items/${shown.id}/report`, payload: {} });
      const text = lines.join('');
      expect(text).toContain('/api/board/[redacted]');
      expect(text).toContain('/media/board/[redacted]/');
      expect(text).not.toContain(f.boardToken);
    } finally {
      await logged.close();
    }
  });
});

describe('the upgrade', () => {
  it('makes every existing teacher a member of every existing class', async () => {
    const name = `vetted_t_upgrade_${Math.random().toString(36).slice(2, 8)}`;
    const adminClient = new pg.Client({ connectionString: BASE_DATABASE_URL });
    await adminClient.connect();
    await adminClient.query(`CREATE DATABASE ${name}`);
    const url = new URL(BASE_DATABASE_URL);
    url.pathname = `/${name}`;
    const db = createDb(url.toString(), 2);
    try {
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
      expect((await migrator.migrateTo('002_governance')).error).toBeUndefined();
      const insertUser = (email: string, role: string, erased = false) =>
        db.insertInto('users').values({ email, password_hash: 'x', role: role as 'teacher', ...(erased ? { erased_at: new Date() } : {}) }).returning('id').executeTakeFirstOrThrow();
      const a = await insertUser('a@school.test', 'teacher');
      const b = await insertUser('b@school.test', 'teacher');
      const head = await insertUser('head@school.test', 'admin');
      await insertUser('gone@school.test', 'teacher', true);
      const classes = [];
      for (const n of ['Robins', 'Wrens']) {
        classes.push(await db.insertInto('classes').values({ name: n, board_token: `token-${n}-0123456789`, created_by: head.id } as never).returning('id').executeTakeFirstOrThrow());
      }
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const rows = await db.selectFrom('class_members').select(['class_id', 'user_id']).execute();
      for (const c of classes) {
        expect(rows.filter((r) => r.class_id === c.id).map((r) => r.user_id).sort()).toEqual([a.id, b.id, head.id].sort());
      }
    } finally {
      await db.destroy();
      await adminClient.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await adminClient.end();
    }
  });
});
