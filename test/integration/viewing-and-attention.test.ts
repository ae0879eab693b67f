import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, buildTestApp, createTestEnv, makeClassAndPlaylist, signIn, signInAdminAndTeacher, type TestApp, type TestEnv } from '../helpers/harness.js';
import { auditActions, makeItem } from '../helpers/governance.js';

// Issue 15 on the server: approval follows watching, attention counts and the review queue, reports
// reaching the desk live, and "open the live site" only for allow-listed domains.
let t: TestEnv;
let app: TestApp;
let admin: string;
let teacher: string;
let colleague: string;
let cls: Awaited<ReturnType<typeof makeClassAndPlaylist>>;

beforeAll(async () => {
  t = await createTestEnv();
  app = await buildTestApp(t);
  ({ admin, teacher } = await signInAdminAndTeacher(t, app));
  await addStaff(t, 'colleague@school.test');
  colleague = await signIn(app, 'colleague@school.test');
  cls = await makeClassAndPlaylist(app, teacher);
  // A colleague teaching the same class.
  const joined = await app.inject({ method: 'POST', url: `/api/classes/${cls.classId}/members`, headers: { cookie: teacher }, payload: { email: 'colleague@school.test' } });
  expect(joined.statusCode).toBe(201);
});

afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

async function videoAwaiting(seconds = 10, playlistId = cls.playlistId) {
  const item = await makeItem(t, playlistId, { status: 'awaiting_review' });
  await t.ctx.db.updateTable('items').set({ duration_seconds: seconds }).where('id', '=', item.id).execute();
  return item;
}

const post = (cookie: string, url: string, payload?: unknown) =>
  app.inject({ method: 'POST', url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('approval follows watching', () => {
  it('refuses approval of an unplayed video with not_watched, and allows it once 95 % was played', async () => {
    const item = await videoAwaiting(10);
    const first = await post(teacher, `/api/items/${item.id}/approve`);
    expect(first.statusCode).toBe(409);
    expect(first.json().error.code).toBe('not_watched');
    expect(first.json().error.message).toMatch(/watched 0 % of this video/);

    const half = await post(teacher, `/api/items/${item.id}/viewing`, { ranges: [[0, 5]] });
    expect(half.statusCode).toBe(200);
    expect(half.json()).toMatchObject({ coverage: 0.5, required: 0.95, met: false, ranges: [[0, 5]] });
    expect((await post(teacher, `/api/items/${item.id}/approve`)).json().error.code).toBe('not_watched');

    // A second report (played on at 2×, a moment skipped at a seek) joins what was seen.
    const rest = await post(teacher, `/api/items/${item.id}/viewing`, { ranges: [[5.2, 9.7]] });
    expect(rest.json()).toMatchObject({ met: true, ranges: [[0, 9.7]] });
    expect((await app.inject({ method: 'GET', url: `/api/items/${item.id}/viewing`, headers: { cookie: teacher } })).json().coverage).toBeCloseTo(0.97);

    const ok = await post(teacher, `/api/items/${item.id}/approve`);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().status).toBe('approved');
    const entry = (await auditActions(app, admin)).find((e) => e.action === 'item.approve' && e.target === `item:${item.id}`);
    expect(entry?.detail).toMatchObject({ watched: 'watched' });
  });

  it('counts each reviewer’s own viewing; "watched elsewhere" is accepted and audited', async () => {
    const item = await videoAwaiting(10);
    await post(teacher, `/api/items/${item.id}/viewing`, { ranges: [[0, 10]] });
    const theirs = await post(colleague, `/api/items/${item.id}/approve`, {});
    expect(theirs.json().error.code).toBe('not_watched');
    const acknowledged = await post(colleague, `/api/items/${item.id}/approve`, { acknowledge: ['watched_elsewhere'] });
    expect(acknowledged.statusCode).toBe(200);
    const entry = (await auditActions(app, admin)).find((e) => e.action === 'item.approve' && e.target === `item:${item.id}`);
    expect(entry?.detail).toMatchObject({ watched: 'acknowledged', acknowledged: ['watched_elsewhere'] });
  });

  it('a colleague who approves an approved item is told so, as information', async () => {
    const item = await videoAwaiting(10);
    await post(teacher, `/api/items/${item.id}/approve`, { acknowledge: ['watched_elsewhere'] });
    const second = await post(colleague, `/api/items/${item.id}/approve`, { acknowledge: ['watched_elsewhere'] });
    expect(second.statusCode).toBe(409);
    expect(second.json().error).toMatchObject({ code: 'already_approved', message: expect.stringMatching(/colleague has already approved/) });
  });

  it('refuses more than twice the normal speed could have played, and bad ranges', async () => {
    const item = await videoAwaiting(600);
    const fast = await post(teacher, `/api/items/${item.id}/viewing`, { ranges: [[0, 600]] });
    expect(fast.statusCode).toBe(422);
    expect(fast.json().error.code).toBe('viewing_too_fast');
    expect((await post(teacher, `/api/items/${item.id}/viewing`, { ranges: [[0, 15]] })).statusCode).toBe(200);
    for (const ranges of [[[0]], [['a', 2]], 'all', [[-1, 2]]]) {
      const bad = await post(teacher, `/api/items/${item.id}/viewing`, { ranges });
      expect(bad.statusCode, JSON.stringify(ranges)).toBe(400);
      expect(bad.json().error.code).toBeTruthy();
    }
  });

  it('a re-made clip starts the count again; an item still being made has nothing to watch', async () => {
    const item = await videoAwaiting(10);
    await post(teacher, `/api/items/${item.id}/viewing`, { ranges: [[0, 10]] });
    await t.ctx.db.updateTable('items').set({ media_generation: item.media_generation + 1 }).where('id', '=', item.id).execute();
    expect((await app.inject({ method: 'GET', url: `/api/items/${item.id}/viewing`, headers: { cookie: teacher } })).json()).toMatchObject({ coverage: 0, met: false });
    const queued = await makeItem(t, cls.playlistId, { status: 'queued', media: false });
    const early = await post(teacher, `/api/items/${queued.id}/viewing`, { ranges: [[0, 1]] });
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('not_reviewable');
  });

  it('measures a page in fractions of the page scrolled through', async () => {
    const item = await makeItem(t, cls.playlistId, { status: 'awaiting_review' });
    await t.ctx.db.updateTable('items').set({ kind: 'webpage' }).where('id', '=', item.id).execute();
    expect((await post(teacher, `/api/items/${item.id}/approve`)).json().error.message).toMatch(/read 0 % of this page/);
    await post(teacher, `/api/items/${item.id}/viewing`, { ranges: [[0, 0.4]] });
    const all = await post(teacher, `/api/items/${item.id}/viewing`, { ranges: [[0.4, 1]] });
    expect(all.json()).toMatchObject({ coverage: 1, met: true });
    expect((await post(teacher, `/api/items/${item.id}/approve`)).statusCode).toBe(200);
  });

  it('the school can turn the requirement off (and back on)', async () => {
    const off = await app.inject({ method: 'PUT', url: '/api/admin/settings', headers: { cookie: admin }, payload: { approvalNeedsWatching: false } });
    expect(off.json().approvalNeedsWatching).toBe(false);
    const item = await videoAwaiting(10);
    expect((await app.inject({ method: 'GET', url: `/api/items/${item.id}/viewing`, headers: { cookie: teacher } })).json()).toMatchObject({ required: null, met: true });
    expect((await post(teacher, `/api/items/${item.id}/approve`)).statusCode).toBe(200);
    const on = await app.inject({ method: 'PUT', url: '/api/admin/settings', headers: { cookie: admin }, payload: { approvalNeedsWatching: true } });
    expect(on.json().approvalNeedsWatching).toBe(true);
    const next = await videoAwaiting(10);
    expect((await post(teacher, `/api/items/${next.id}/approve`)).statusCode).toBe(409);
  });
});

describe('attention where it is needed', () => {
  it('counts what waits for review and what was reported, per class, and lists the queue oldest first', async () => {
    const mine = await makeClassAndPlaylist(app, teacher);
    const a = await videoAwaiting(10, mine.playlistId);
    const b = await videoAwaiting(10, mine.playlistId);
    const shown = await makeItem(t, mine.playlistId, { status: 'approved' });
    const classes = (await app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: teacher } })).json().classes;
    expect(classes.find((c: { id: string }) => c.id === mine.classId).counts).toEqual({ awaitingReview: 2, reported: 0 });

    const queue = (await app.inject({ method: 'GET', url: '/api/review-queue', headers: { cookie: teacher } })).json().items as Array<{ id: string; className: string }>;
    const ids = queue.map((i) => i.id);
    expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.id));
    expect(ids).not.toContain(shown.id);
    expect(queue.find((i) => i.id === a.id)?.className).toBe('Robins');

    // A report from the board: the count and the summary the desk's banner shows change at once.
    const stream = await app.inject({ method: 'GET', url: '/api/attention/events', headers: { cookie: teacher }, payloadAsStream: true });
    expect(stream.statusCode).toBe(200);
    expect(stream.headers['content-type']).toMatch(/text\/event-stream/);
    const body = stream.stream();
    let text = '';
    body.on('data', (c: Buffer) => (text += c.toString()));
    const report = await app.inject({ method: 'POST', url: `/api/board/${mine.boardToken}/items/${shown.id}/report`, payload: { note: 'scary bit at the end' } });
    expect(report.statusCode).toBe(201);
    const deadline = Date.now() + 5000;
    while (!text.includes('scary bit at the end') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    body.destroy();
    const events = text.split('\n\n').filter((e) => e.startsWith('event: attention'));
    const last = JSON.parse(events.at(-1)!.split('\ndata: ')[1]!);
    expect(last.classes.find((c: { id: string }) => c.id === mine.classId).counts).toEqual({ awaitingReview: 2, reported: 1 });
    expect(last.reported.find((r: { id: string }) => r.id === shown.id)).toMatchObject({ fromBoard: true, note: 'scary bit at the end', classId: mine.classId });
  });
});

describe('open the live site', () => {
  it('only for a site on the school’s allow list, judged again whenever a board asks', async () => {
    const sites = await makeClassAndPlaylist(app, teacher, 'sites');
    const page = await makeItem(t, sites.playlistId, { status: 'approved', url: 'https://games.example.org/counting' });
    await t.ctx.db.updateTable('items').set({ kind: 'webpage' }).where('id', '=', page.id).execute();
    const patch = (payload: object) => app.inject({ method: 'PATCH', url: `/api/items/${page.id}`, headers: { cookie: teacher }, payload });

    const refused = await patch({ openLive: true });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({ code: 'live_site_not_allowed', message: expect.stringMatching(/games\.example\.org is not on the school's allow list/) });

    const rule = await app.inject({ method: 'POST', url: '/api/admin/domain-rules', headers: { cookie: admin }, payload: { pattern: 'example.org', action: 'allow' } });
    expect(rule.statusCode).toBe(201);
    const allowed = await patch({ openLive: true });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json().openLive).toBe(true);
    const board = async () => (await app.inject({ method: 'GET', url: `/api/board/${sites.boardToken}` })).json().playlists[0].items[0];
    expect(await board()).toMatchObject({ id: page.id, openLive: true });

    await app.inject({ method: 'DELETE', url: `/api/admin/domain-rules/${rule.json().rule.id}`, headers: { cookie: admin } });
    expect(await board()).toMatchObject({ id: page.id, openLive: false });

    const video = await makeItem(t, cls.playlistId, { status: 'approved' });
    const v = await app.inject({ method: 'PATCH', url: `/api/items/${video.id}`, headers: { cookie: teacher }, payload: { openLive: true } });
    expect(v.json().error.code).toBe('live_site_not_allowed');
  });
});

describe('the filtering rules say what they do', () => {
  it('a full link is accepted where a domain is asked for; *.x covers x itself, as the console says', async () => {
    const rule = await app.inject({ method: 'POST', url: '/api/admin/domain-rules', headers: { cookie: admin }, payload: { pattern: 'https://www.TikTok.com/@someone/video/1', action: 'block' } });
    expect(rule.statusCode).toBe(201);
    expect(rule.json().rule.pattern).toBe('www.tiktok.com');
    await app.inject({ method: 'POST', url: '/api/admin/domain-rules', headers: { cookie: admin }, payload: { pattern: '*.tiktok.com', action: 'block' } });
    const check = await app.inject({ method: 'GET', url: '/api/admin/domain-rules/check?url=tiktok.com', headers: { cookie: admin } });
    expect(check.json()).toMatchObject({ host: 'tiktok.com', allowed: false, rule: { pattern: '*.tiktok.com' } });
    // The audit log names a rule by its domain, also after the rule is deleted.
    await app.inject({ method: 'DELETE', url: `/api/admin/domain-rules/${rule.json().rule.id}`, headers: { cookie: admin } });
    const audit = (await app.inject({ method: 'GET', url: '/api/admin/audit?action=rule.*', headers: { cookie: admin } })).json().entries as Array<{ action: string; target: string; targetLabel: string | null }>;
    const mine = audit.filter((e) => e.target === `rule:${rule.json().rule.id}`);
    expect(mine.map((e) => e.action).sort()).toEqual(['rule.create', 'rule.delete']);
    expect(mine.every((e) => e.targetLabel === 'block www.tiktok.com')).toBe(true);
    const bad = await app.inject({ method: 'POST', url: '/api/admin/domain-rules', headers: { cookie: admin }, payload: { pattern: 'https://', action: 'block' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('pattern_invalid');
  });
});
