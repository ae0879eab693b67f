import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formerStaffLabel } from '../../src/domain/people.js';
import { addStaff, buildTestApp, createTestEnv, makeClassAndPlaylist, signIn, type TestApp, type TestEnv } from '../helpers/harness.js';
import { auditActions, makeItem } from '../helpers/governance.js';

// The e-safety lead's console: staff accounts, the reminder and its acknowledgements, the audit log and
// its export, subject access and erasure, and text fields that carry SQL metacharacters.
let t: TestEnv;
let app: TestApp;
let admin: string;
let adminId: string;

const EVIL = "Robins'); DROP TABLE items; -- \" \\ % _ =1+1";

beforeAll(async () => {
  t = await createTestEnv();
  app = await buildTestApp(t);
  await addStaff(t, 'head@school.test', 'admin');
  adminId = (await t.ctx.repos.users.byEmail('head@school.test'))!.id;
  admin = await signIn(app, 'head@school.test');
});

afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

const inject = (method: string, url: string, payload?: unknown, cookie = admin) =>
  app.inject({ method: method as 'GET', url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('staff accounts', () => {
  it('adds a teacher with a good password; refuses weak and duplicate ones', async () => {
    const weak = await inject('POST', '/api/admin/users', { email: 'new@school.test', role: 'teacher', password: 'qwerty123456' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.code).toBe('password_weak');
    const short = await inject('POST', '/api/admin/users', { email: 'new@school.test', role: 'teacher', password: 'short' });
    expect(short.json().error.code).toBe('password_too_short');
    const ok = await inject('POST', '/api/admin/users', { email: 'New@School.test', role: 'teacher', password: 'the owls sing at midnight' });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().user).toMatchObject({ email: 'new@school.test', role: 'teacher', disabled: false, mustChangePassword: false });
    const dup = await inject('POST', '/api/admin/users', { email: 'new@school.test', role: 'admin', password: 'the owls sing at midnight' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('user_exists');
    await signIn(app, 'new@school.test', 'the owls sing at midnight');
    const list = (await inject('GET', '/api/admin/users')).json().users;
    expect(list.map((u: { email: string }) => u.email)).toEqual(expect.arrayContaining(['head@school.test', 'new@school.test']));
    expect(list.find((u: { email: string }) => u.email === 'new@school.test').activeSessions).toBe(1);
  });

  it('keeps at least one active admin and does not let an admin lock themselves out', async () => {
    const self = await inject('PATCH', `/api/admin/users/${adminId}`, { disabled: true });
    expect(self.statusCode).toBe(409);
    expect(self.json().error.code).toBe('cannot_disable_self');
    const demote = await inject('PATCH', `/api/admin/users/${adminId}`, { role: 'teacher' });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().error.code).toBe('last_admin');
    const erase = await inject('POST', `/api/admin/users/${adminId}/erase`);
    expect(erase.json().error.code).toBe('cannot_erase_self');
    expect((await inject('PATCH', `/api/admin/users/${adminId}`, {})).statusCode).toBe(400);
  });
});

describe('the e-safety reminder', () => {
  it('a new version is acknowledged by everyone at their next sign-in; the admin sees who acknowledged which version when', async () => {
    await addStaff(t, 'reader@school.test');
    const earlier = await signIn(app, 'reader@school.test');
    const put = await inject('PUT', '/api/admin/reminder', { text: `New term: ${EVIL}` });
    expect(put.statusCode).toBe(200);
    const version = put.json().version as number;
    expect(version).toBe(2);
    // Sessions already open carry on, the admin who wrote it included (issue 9: it applies at the next sign-in).
    for (const cookie of [earlier, admin]) expect((await inject('GET', '/api/classes', undefined, cookie)).statusCode).toBe(200);
    expect((await inject('GET', '/api/me', undefined, earlier)).json()).toMatchObject({ reminderVersion: 2, reminderAcknowledged: true });
    // The next sign-in asks for the new version before anything else.
    const reader = await signIn(app, 'reader@school.test', undefined, false);
    const blocked = await inject('GET', '/api/classes', undefined, reader);
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('reminder_not_acknowledged');
    const me = (await inject('GET', '/api/me', undefined, reader)).json();
    expect(me).toMatchObject({ reminder: `New term: ${EVIL}`, reminderVersion: 2, reminderAcknowledged: false });
    expect((await inject('POST', '/api/reminder/acknowledge', { version: 1 }, reader)).statusCode).toBe(409);
    expect((await inject('POST', '/api/reminder/acknowledge', { version: 2 }, reader)).statusCode).toBe(200);
    expect((await inject('POST', '/api/reminder/acknowledge', { version: 2 }, admin)).statusCode).toBe(200);
    expect((await inject('GET', '/api/classes', undefined, reader)).statusCode).toBe(200);

    const acks = (await inject('GET', '/api/admin/reminder/acknowledgements')).json();
    expect(acks.currentVersion).toBe(2);
    const readerAcks = acks.acknowledgements.filter((a: { user: { email: string } }) => a.user.email === 'reader@school.test');
    expect(readerAcks.map((a: { version: number }) => a.version).sort()).toEqual([1, 2]);
    expect(new Date(readerAcks[0].acknowledgedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const onlyV2 = (await inject('GET', '/api/admin/reminder/acknowledgements?version=2')).json();
    expect(onlyV2.acknowledgements.every((a: { version: number }) => a.version === 2)).toBe(true);
    expect(onlyV2.notYetAcknowledgedCurrent.map((u: { email: string }) => u.email)).not.toContain('reader@school.test');
    const history = (await inject('GET', '/api/admin/reminder')).json();
    expect(history.current).toMatchObject({ version: 2, createdBy: 'head@school.test', text: `New term: ${EVIL}` });
    expect(history.history[0]).toMatchObject({ version: 1, createdBy: 'system' });
    const csv = await inject('GET', '/api/admin/reminder/acknowledgements?format=csv');
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\r\n')[0]).toBe('acknowledged_at,staff,role,version');
  });
});

describe('the audit log', () => {
  it('cannot be changed by the application’s database role: the trigger refuses UPDATE, DELETE and TRUNCATE', async () => {
    const { rows } = await sql<{ role: string }>`SELECT current_user AS role`.execute(t.ctx.db);
    expect(rows[0]!.role).toBeTruthy();
    const before = await t.ctx.db.selectFrom('audit_log').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    await expect(sql`UPDATE audit_log SET action = 'nothing happened'`.execute(t.ctx.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log`.execute(t.ctx.db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_log`.execute(t.ctx.db)).rejects.toThrow(/append-only/);
    const after = await t.ctx.db.selectFrom('audit_log').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('lists entries newest first with actor, action, target and address; filters by action, actor, target and time', async () => {
    const all = await auditActions(app, admin);
    expect(all.length).toBeGreaterThan(5);
    const times = all.map((e) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(all[all.length - 1]!.action).toBe('login');
    expect(all[0]).toMatchObject({ actor: expect.any(String), action: expect.any(String), ip: expect.anything() });

    const logins = await auditActions(app, admin, 'action=login');
    expect(logins.every((e) => e.action === 'login')).toBe(true);
    const prefixed = await auditActions(app, admin, 'action=user.*');
    expect(prefixed.map((e) => e.action)).toContain('user.create');
    expect(prefixed.every((e) => e.action.startsWith('user.'))).toBe(true);

    const byActor = await auditActions(app, admin, 'actor=reader@school.test');
    expect(byActor.length).toBeGreaterThan(0);
    expect(byActor.every((e) => e.actor === 'reader@school.test' || e.actor === 'anonymous')).toBe(true);

    const readerId = (await t.ctx.repos.users.byEmail('reader@school.test'))!.id;
    const byTarget = await auditActions(app, admin, `target=user:${readerId}`);
    expect(byTarget.every((e) => e.target === `user:${readerId}`)).toBe(true);
    expect(byTarget[0]!.targetLabel).toBe('reader@school.test');

    expect(await auditActions(app, admin, 'from=2999-01-01')).toEqual([]);
    expect((await auditActions(app, admin, 'to=2000-01-01')).length).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    expect((await auditActions(app, admin, `from=${today}&to=${today}`)).length).toBe(all.length);
    expect((await inject('GET', '/api/admin/audit?from=yesterday')).statusCode).toBe(400);
    // A NUL byte cannot reach Postgres as text: a clear 400, never a 500.
    const nul = await inject('GET', '/api/admin/audit?actor=%00');
    expect(nul.statusCode).toBe(400);
    expect(nul.json().error.code).toBe('invalid_text');
    // Metacharacters in filters are data, not SQL.
    expect(await auditActions(app, admin, `action=${encodeURIComponent(EVIL)}`)).toEqual([]);
    expect(await auditActions(app, admin, `actor=${encodeURIComponent(EVIL)}`)).toEqual([]);
    expect(await auditActions(app, admin, `target=${encodeURIComponent("%' OR 1=1 --*")}`)).toEqual([]);
  });

  it('shows boards as "board <class name>" and the system as "system"', async () => {
    const cls = await makeClassAndPlaylist(app, admin);
    const item = await makeItem(t, cls.playlistId);
    expect((await app.inject({ method: 'POST', url: `/api/board/${cls.boardToken}/items/${item.id}/report`, payload: {} })).statusCode).toBe(201);
    const reports = await auditActions(app, admin, 'action=item.report');
    expect(reports[0]).toMatchObject({ actor: 'board Robins', target: `item:${item.id}`, targetLabel: 'Counting with frogs' });
    await t.ctx.repos.audit.record({ actorId: null, actorKind: 'system', action: 'test.system' });
    expect((await auditActions(app, admin, 'actor=system&action=test.system'))[0]!.actor).toBe('system');
    expect((await auditActions(app, admin, 'actor=board Robins'))[0]!.action).toBe('item.report');
  });

  it('exports CSV with a header row, formula cells neutralised, and the export itself audited', async () => {
    await t.ctx.repos.audit.record({ actorId: adminId, actorKind: 'staff', action: 'test.formula', target: '=HYPERLINK("http://evil.example","x")', ip: '@1.2.3.4' });
    const res = await inject('GET', '/api/admin/audit?format=csv&action=test.formula');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="vetted-audit-/);
    const lines = res.body.trim().split('\r\n');
    expect(lines[0]).toBe('at,actor,action,target,target_label,ip,detail');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(lines[1]).toContain(",'@1.2.3.4,");
    expect(lines[1]).not.toMatch(/,=|,@|,\+|,-/);
    expect((await auditActions(app, admin, 'action=audit.export')).length).toBe(1);
  });
});

describe('data protection', () => {
  it('exports everything held about one staff member, then erases them keeping the trail pseudonymised', async () => {
    await addStaff(t, 'departing@school.test');
    const session = await signIn(app, 'departing@school.test');
    const id = (await t.ctx.repos.users.byEmail('departing@school.test'))!.id;
    const cls = await inject('POST', '/api/classes', { name: EVIL }, session);
    expect(cls.json().name).toBe(EVIL);

    const exported = await inject('GET', `/api/admin/users/${id}/export`);
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-disposition']).toContain('attachment');
    const data = exported.json();
    expect(data.account).toMatchObject({ id, email: 'departing@school.test', role: 'teacher' });
    expect(JSON.stringify(data)).not.toContain('$argon2');
    expect(data.sessions.length).toBe(1);
    expect(data.reminderAcknowledgements.map((a: { version: number }) => a.version)).toEqual([2]);
    expect(data.auditEntries.map((a: { action: string }) => a.action)).toEqual(expect.arrayContaining(['login', 'reminder.acknowledge', 'class.create']));
    expect(data.classesCreated[0].name).toBe(EVIL);

    const erase = await inject('POST', `/api/admin/users/${id}/erase`);
    expect(erase.statusCode).toBe(200);
    const pseudonym = formerStaffLabel(id);
    expect(erase.json()).toMatchObject({ pseudonym, user: { erased: true, email: pseudonym, disabled: true } });
    const row = (await t.ctx.repos.users.get(id))!;
    expect(row.email).toBe(`erased-${id}@invalid`);
    expect(row.password_hash).not.toMatch(/argon2/);
    expect(row.erased_at).not.toBeNull();
    expect((await inject('GET', '/api/classes', undefined, session)).statusCode).toBe(401);
    const login = await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'departing@school.test', password: 'correct horse battery' } });
    expect(login.statusCode).toBe(401);

    const trail = await auditActions(app, admin, `actor=${encodeURIComponent(pseudonym)}`);
    expect(trail.map((e) => e.action)).toEqual(expect.arrayContaining(['login', 'class.create']));
    expect(trail.every((e) => e.actor === pseudonym)).toBe(true);
    const csv = (await inject('GET', '/api/admin/audit?format=csv')).body;
    expect(csv).not.toContain('departing@school.test');
    expect(csv).toContain(pseudonym);
    const users = (await inject('GET', '/api/admin/users')).json().users;
    expect(users.find((u: { id: string }) => u.id === id)).toMatchObject({ email: pseudonym, erased: true });
    expect(JSON.stringify(users)).not.toContain('departing@');
    expect((await inject('POST', `/api/admin/users/${id}/erase`)).json().error.code).toBe('user_erased');
    expect((await inject('PATCH', `/api/admin/users/${id}`, { disabled: false })).json().error.code).toBe('user_erased');
    const erasedEntries = await auditActions(app, admin, `action=user.erase&target=user:${id}`);
    expect(erasedEntries[0]).toMatchObject({ actor: 'head@school.test', targetLabel: pseudonym });
  });
});

describe('SQL metacharacters in every text field survive the round trip', () => {
  it('names, titles, reasons, notes, patterns notes and emails', async () => {
    const email = "o'brien+x@school.test";
    const add = await inject('POST', '/api/admin/users', { email, role: 'teacher', password: 'the owls sing at midnight' });
    expect(add.json().user.email).toBe(email);
    const cls = (await inject('POST', '/api/classes', { name: EVIL })).json();
    const pl = (await inject('POST', '/api/playlists', { classId: cls.id, name: EVIL, kind: 'videos' })).json();
    expect(pl.name).toBe(EVIL);
    const item = await makeItem(t, pl.id, { status: 'awaiting_review' });
    expect((await inject('PATCH', `/api/items/${item.id}`, { title: EVIL })).json().title).toBe(EVIL);
    const report = await inject('POST', `/api/items/${item.id}/report`, { note: EVIL });
    expect(report.statusCode).toBe(201);
    expect(report.json().incident).toMatchObject({ note: EVIL, item: { title: EVIL, className: EVIL, playlistName: EVIL } });
    const resolved = await inject('POST', `/api/admin/incidents/${report.json().incident.id}/resolve`, { action: 'reinstate', note: EVIL });
    expect(resolved.json().incident.resolution.note).toBe(EVIL);
    const other = await makeItem(t, pl.id, { status: 'awaiting_review' });
    expect((await inject('POST', `/api/items/${other.id}/reject`, { reason: EVIL })).json().rejectReason).toBe(EVIL);
    // The reason is optional ({reason?} in the contract): a reject with no body at all is a plain reject.
    const third = await makeItem(t, pl.id, { status: 'awaiting_review' });
    const bare = await app.inject({ method: 'POST', url: `/api/items/${third.id}/reject`, headers: { cookie: admin } });
    expect(bare.statusCode).toBe(200);
    expect(bare.json()).toMatchObject({ status: 'rejected', rejectReason: null });
    const rule = await inject('POST', '/api/admin/domain-rules', { pattern: 'evil-notes.example', action: 'block', note: EVIL });
    expect(rule.json().rule.note).toBe(EVIL);
    const badPattern = await inject('POST', '/api/admin/domain-rules', { pattern: EVIL, action: 'block' });
    expect(badPattern.statusCode).toBe(400);
    expect(badPattern.json().error.code).toBe('pattern_invalid');
    const login = await app.inject({ method: 'POST', url: '/api/login', payload: { email: EVIL, password: EVIL } });
    expect(login.statusCode).toBe(401);
    // Everything is still there.
    expect((await t.ctx.db.selectFrom('items').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n).toBeGreaterThan(0);
    expect((await inject('GET', `/api/playlists/${pl.id}`)).json().items.map((i: { title: string }) => i.title)).toContain(EVIL);
  });
});
