import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireDue } from '../../src/services/expiry.js';
import { runFetchStage } from '../../src/worker/stages/fetch.js';
import { buildTestApp, createTestEnv, makeClassAndPlaylist, signInAdminAndTeacher, type TestApp, type TestEnv } from '../helpers/harness.js';
import { hasMedia } from '../helpers/stored.js';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { auditActions, makeItem } from '../helpers/governance.js';

// Incident reports and their resolution, the filtering policy (at submit, at every fetch hop, and on live
// items after a change), the export of a site list for the school's web filter, and expiry.
let t: TestEnv;
let app: TestApp;
let admin: string;
let teacher: string;
let robins: Awaited<ReturnType<typeof makeClassAndPlaylist>>;
let site: Awaited<ReturnType<typeof startFixtureServer>>;

beforeAll(async () => {
  t = await createTestEnv();
  app = await buildTestApp(t);
  ({ admin, teacher } = await signInAdminAndTeacher(t, app));
  robins = await makeClassAndPlaylist(app, teacher);
  site = await startFixtureServer({});
});

afterAll(async () => {
  await site?.close();
  await app?.close();
  await t?.cleanup();
});

const inject = (method: string, url: string, payload?: unknown, cookie = admin) =>
  app.inject({ method: method as 'GET', url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as object }) });
const boardIds = async (token: string) =>
  ((await app.inject({ method: 'GET', url: `/api/board/${token}` })).json().playlists as Array<{ items: Array<{ id: string }> }>).flatMap((p) =>
    p.items.map((i) => i.id),
  );

describe('incident reports', () => {
  it('a teacher’s report quarantines the item: it leaves every board at once, media included', async () => {
    const item = await makeItem(t, robins.playlistId);
    expect(await boardIds(robins.boardToken)).toContain(item.id);
    const res = await inject('POST', `/api/items/${item.id}/report`, { note: 'Adverts for sweets at 1:20' }, teacher);
    expect(res.statusCode).toBe(201);
    expect(res.json().incident).toMatchObject({
      status: 'open',
      note: 'Adverts for sweets at 1:20',
      reportedBy: { kind: 'staff', label: 'teacher@school.test' },
      item: { id: item.id, title: 'Counting with frogs', statusBefore: 'approved', statusNow: 'quarantined', className: 'Robins' },
      resolution: null,
    });
    expect(await boardIds(robins.boardToken)).not.toContain(item.id);
    const media = await app.inject({ method: 'GET', url: `/media/board/${robins.boardToken}/${item.id}/${item.media_generation}/video.mp4` });
    expect(media.statusCode).toBe(404);
    expect((await inject('GET', `/api/items/${item.id}`, undefined, teacher)).json().status).toBe('quarantined');
  });

  it('refuses bad reports: no note, an unknown item, an item that cannot be quarantined', async () => {
    const item = await makeItem(t, robins.playlistId, { status: 'rejected' });
    expect((await inject('POST', `/api/items/${item.id}/report`, { note: '   ' }, teacher)).statusCode).toBe(400);
    expect((await inject('POST', `/api/items/00000000-0000-4000-8000-000000000000/report`, { note: 'x' }, teacher)).statusCode).toBe(404);
    const rejected = await inject('POST', `/api/items/${item.id}/report`, { note: 'x' }, teacher);
    expect(rejected.statusCode).toBe(409);
    expect(rejected.json().error.code).toBe('illegal_transition');
  });

  it('a board reports only what it shows: not an item awaiting review, expired, or of another class', async () => {
    const waiting = await makeItem(t, robins.playlistId, { status: 'awaiting_review' });
    const expired = await makeItem(t, robins.playlistId, { status: 'approved', expiresAt: new Date(Date.now() - 1000) });
    for (const id of [waiting.id, expired.id]) {
      const res = await app.inject({ method: 'POST', url: `/api/board/${robins.boardToken}/items/${id}/report` });
      expect(res.statusCode).toBe(404);
    }
    const shown = await makeItem(t, robins.playlistId);
    const res = await app.inject({ method: 'POST', url: `/api/board/${robins.boardToken}/items/${shown.id}/report`, payload: { note: 'A child said it was scary' } });
    expect(res.statusCode).toBe(201);
    expect(Object.keys(res.json().incident).sort()).toEqual(['createdAt', 'id', 'itemId', 'status']);
    expect(await boardIds(robins.boardToken)).not.toContain(shown.id);
    const again = await app.inject({ method: 'POST', url: `/api/board/${robins.boardToken}/items/${shown.id}/report` });
    expect(again.statusCode).toBe(404);
    const other = await makeItem(t, robins.playlistId);
    const tooLong = await app.inject({ method: 'POST', url: `/api/board/${robins.boardToken}/items/${other.id}/report`, payload: { note: 'x'.repeat(2001) } });
    expect(tooLong.statusCode).toBe(400);
    expect((await t.ctx.repos.items.get(other.id))!.status).toBe('approved');
  });

  it('reinstating closes every open report of the item and puts it back on the board', async () => {
    const item = await makeItem(t, robins.playlistId);
    const first = (await inject('POST', `/api/items/${item.id}/report`, { note: 'first' }, teacher)).json().incident;
    const second = await inject('POST', `/api/items/${item.id}/report`, { note: 'second, already quarantined' }, admin);
    expect(second.statusCode).toBe(201);
    const res = await inject('POST', `/api/admin/incidents/${first.id}/resolve`, { action: 'reinstate', note: 'Watched it all: fine.' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      incident: { status: 'resolved', resolution: { action: 'reinstate', note: 'Watched it all: fine.', by: 'head@school.test' } },
      item: { status: 'approved' },
    });
    const secondNow = (await inject('GET', `/api/admin/incidents/${second.json().incident.id}`)).json().incident;
    expect(secondNow.resolution.action).toBe('reinstate');
    expect(await boardIds(robins.boardToken)).toContain(item.id);
    const twice = await inject('POST', `/api/admin/incidents/${first.id}/resolve`, { action: 'remove', note: 'changed my mind' });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe('incident_resolved');
  });

  it('removing deletes the media from storage and leaves a removed row for the log', async () => {
    const item = await makeItem(t, robins.playlistId);
    expect(await hasMedia(t, item.id)).toBe(true);
    const incident = (await inject('POST', `/api/items/${item.id}/report`, { note: 'unsuitable language' }, teacher)).json().incident;
    const res = await inject('POST', `/api/admin/incidents/${incident.id}/resolve`, { action: 'remove', note: 'Removed: swearing at 3:10' });
    expect(res.json().item).toMatchObject({ status: 'removed', media: null });
    expect(await hasMedia(t, item.id)).toBe(false);
    expect((await inject('GET', `/api/items/${item.id}`, undefined, teacher)).json()).toMatchObject({ status: 'removed', media: null });
    const actions = (await auditActions(app, admin, `target=item:${item.id}`)).map((e) => e.action);
    expect(actions).toEqual(['item.remove', 'item.report']);
  });

  it('the incident queue lists open and resolved reports and exports them as CSV', async () => {
    const open = (await inject('GET', '/api/admin/incidents?status=open')).json();
    expect(open.incidents.every((i: { status: string }) => i.status === 'open')).toBe(true);
    expect(open.open).toBeGreaterThan(0);
    const resolved = (await inject('GET', '/api/admin/incidents?status=resolved')).json().incidents;
    expect(resolved.length).toBeGreaterThan(0);
    const all = (await inject('GET', '/api/admin/incidents')).json().incidents;
    expect(all.length).toBe(open.incidents.length + resolved.length);
    expect(all[0].status).toBe('open');
    const formula = await makeItem(t, robins.playlistId, { title: '=cmd|" /C calc"!A0' });
    await inject('POST', `/api/items/${formula.id}/report`, { note: '@SUM(1+1)' }, teacher);
    const csv = await inject('GET', '/api/admin/incidents?format=csv');
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('incident_id,reported_at,reported_by,class,playlist,item_id,item_title,item_url,note,status,resolution,resolution_note,resolved_by,resolved_at,item_status_now');
    expect(lines.length).toBe(all.length + 2);
    expect(csv.body).toContain(`"'=cmd|"" /C calc""!A0"`);
    expect(csv.body).toContain(",'@SUM(1+1),");
    expect((await inject('GET', '/api/admin/incidents', undefined, teacher)).statusCode).toBe(403);
  });
});

describe('the filtering policy', () => {
  it('refuses a link under a block rule at submit, naming the rule; the longest rule wins', async () => {
    const rule = await inject('POST', '/api/admin/domain-rules', { pattern: '*.blocked.test', action: 'block', note: 'gambling' });
    expect(rule.statusCode).toBe(201);
    await inject('POST', '/api/admin/domain-rules', { pattern: 'ok.blocked.test', action: 'allow' });
    const res = await inject('POST', '/api/items', { url: 'https://videos.blocked.test/frogs.mp4', playlistId: robins.playlistId }, teacher);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('domain_blocked');
    expect(res.json().error.message).toContain('*.blocked.test');
    const allowed = await inject('POST', '/api/items', { url: 'https://ok.blocked.test/frogs.mp4', playlistId: robins.playlistId }, teacher);
    expect(allowed.json().error?.code).not.toBe('domain_blocked');
    const check = (await inject('GET', '/api/admin/domain-rules/check?url=https://a.ok.blocked.test/x')).json();
    expect(check).toMatchObject({ host: 'a.ok.blocked.test', allowed: true, reason: 'allow_rule', rule: { pattern: 'ok.blocked.test' } });
    const list = (await inject('GET', '/api/admin/domain-rules')).json();
    expect(list.rules.map((r: { pattern: string }) => r.pattern)).toEqual(['*.blocked.test', 'ok.blocked.test']);
    // Adding the same pattern again changes its action rather than duplicating it.
    const flip = await inject('POST', '/api/admin/domain-rules', { pattern: 'OK.blocked.test', action: 'block' });
    expect(flip.statusCode).toBe(200);
    expect(flip.json()).toMatchObject({ created: false, rule: { pattern: 'ok.blocked.test', action: 'block' } });
    expect((await inject('GET', '/api/admin/domain-rules')).json().rules).toHaveLength(2);
  });

  it('shows the teacher, among the checks, the allow rule that let a link through', async () => {
    await inject('POST', '/api/admin/domain-rules', { pattern: 'youtube.com', action: 'allow' });
    // A YouTube link needs no DNS look-up at submit, so this works offline.
    const res = await inject('POST', '/api/items', { url: 'https://www.youtube.com/watch?v=AbCdEfGhIjK', playlistId: robins.playlistId }, teacher);
    expect(res.statusCode).toBe(202);
    expect(res.json().checks.domainRule).toEqual({ pattern: 'youtube.com', action: 'allow' });
    await inject('DELETE', `/api/admin/domain-rules/${(await inject('GET', '/api/admin/domain-rules')).json().rules.find((r: { pattern: string }) => r.pattern === 'youtube.com').id}`);
  });

  it('a fetch that redirects into a blocked domain fails with the rule’s reason', async () => {
    site.routes['/hop.mp4'] = (_req, res) => {
      res.writeHead(302, { location: `http://cdn.blocked.test:${site.port}/frogs.mp4` }).end();
    };
    const item = await makeItem(t, robins.playlistId, { status: 'queued', url: site.url('/hop.mp4'), media: false });
    const error = await runFetchStage(t.ctx, item.id, new AbortController().signal).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'domain_blocked', transient: false });
    expect((error as Error).message).toContain('cdn.blocked.test');
    expect(site.hits.get('/hop.mp4')).toBeGreaterThan(0);
  });

  it('a policy change re-checks live items: vetted ones go to quarantine with a system incident, working ones fail', async () => {
    const approved = await makeItem(t, robins.playlistId, { url: 'https://www.later-blocked.test/a.mp4' });
    const waiting = await makeItem(t, robins.playlistId, { status: 'awaiting_review', url: 'https://later-blocked.test/b.mp4' });
    const queued = await makeItem(t, robins.playlistId, { status: 'queued', url: 'https://x.later-blocked.test/c.mp4', media: false });
    const rejected = await makeItem(t, robins.playlistId, { status: 'rejected', url: 'https://later-blocked.test/d.mp4' });
    const other = await makeItem(t, robins.playlistId, { url: 'https://fine.test/e.mp4' });
    const res = await inject('POST', '/api/admin/domain-rules', { pattern: 'later-blocked.test', action: 'block' });
    expect(res.json().recheck.quarantined.map((i: { id: string }) => i.id).sort()).toEqual([approved.id, waiting.id].sort());
    expect(res.json().recheck.failed.map((i: { id: string }) => i.id)).toEqual([queued.id]);
    const status = async (id: string) => (await t.ctx.repos.items.get(id))!;
    expect((await status(approved.id)).status).toBe('quarantined');
    expect((await status(waiting.id)).status).toBe('quarantined');
    expect(await status(queued.id)).toMatchObject({ status: 'failed', error_code: 'domain_blocked' });
    expect((await status(rejected.id)).status).toBe('rejected');
    expect((await status(other.id)).status).toBe('approved');
    expect(await boardIds(robins.boardToken)).not.toContain(approved.id);
    const incidents = (await inject('GET', '/api/admin/incidents?status=open')).json().incidents;
    const policyIncident = incidents.find((i: { item: { id: string } }) => i.item.id === approved.id);
    expect(policyIncident).toMatchObject({ reportedBy: { kind: 'system', label: 'system' } });
    expect(policyIncident.note).toContain('later-blocked.test');
    const actions = (await auditActions(app, admin)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['rule.create', 'policy.recheck', 'item.quarantine_policy', 'item.fail_policy']));
    // Reinstating it while the rule stands is refused; an allow rule for that one site lets it back.
    const refused = await inject('POST', `/api/admin/incidents/${policyIncident.id}/resolve`, { action: 'reinstate', note: 'fine' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('domain_blocked');
    await inject('POST', '/api/admin/domain-rules', { pattern: 'www.later-blocked.test', action: 'allow' });
    const back = await inject('POST', `/api/admin/incidents/${policyIncident.id}/resolve`, { action: 'reinstate', note: 'this page is fine' });
    expect(back.json().item.status).toBe('approved');
    expect(await boardIds(robins.boardToken)).toContain(approved.id);
  });

  it('imports a plain domain list, and deleting an allow rule can uncover a block rule', async () => {
    const text = '# list from the filter vendor\nbad-one.test\n.bad-two.test\n0.0.0.0 bad-three.test\nnot a domain\n';
    const res = await inject('POST', '/api/admin/domain-rules/import', { text, action: 'block', note: 'vendor list' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ added: 3, changed: 0, unchanged: 0, skippedCount: 1, skipped: [{ line: 5, text: 'not a domain' }] });
    const again = await inject('POST', '/api/admin/domain-rules/import', { text, action: 'block' });
    expect(again.json()).toMatchObject({ added: 0, unchanged: 3 });
    const refused = await inject('POST', '/api/items', { url: 'https://www.bad-two.test/x.mp4', playlistId: robins.playlistId }, teacher);
    expect(refused.json().error.code).toBe('domain_blocked');

    await inject('POST', '/api/admin/domain-rules', { pattern: 'zoo.test', action: 'block' });
    const allow = (await inject('POST', '/api/admin/domain-rules', { pattern: 'kids.zoo.test', action: 'allow' })).json().rule;
    const item = await makeItem(t, robins.playlistId, { url: 'https://kids.zoo.test/lions.mp4' });
    const del = await inject('DELETE', `/api/admin/domain-rules/${allow.id}`);
    expect(del.statusCode).toBe(200);
    expect(del.json().recheck.quarantined.map((i: { id: string }) => i.id)).toEqual([item.id]);
    expect((await inject('DELETE', `/api/admin/domain-rules/${allow.id}`)).statusCode).toBe(404);
    expect((await auditActions(app, admin, 'action=rule.*')).map((e) => e.action)).toEqual(expect.arrayContaining(['rule.import', 'rule.delete', 'rule.update']));
  });

  it('in allow-list-only mode a site list accepts only allow-listed domains', async () => {
    const sites = await makeClassAndPlaylist(app, teacher, 'sites');
    const outside = await makeItem(t, sites.playlistId, { url: 'https://random-site.test/page' });
    const inside = await makeItem(t, sites.playlistId, { url: 'https://www.kids-ok.test/page' });
    await inject('POST', '/api/admin/domain-rules', { pattern: 'kids-ok.test', action: 'allow' });
    const on = await inject('PUT', '/api/admin/settings', { sitesAllowListOnly: true });
    expect(on.json()).toMatchObject({ sitesAllowListOnly: true });
    expect(on.json().recheck.quarantined.map((i: { id: string }) => i.id)).toContain(outside.id);
    expect((await t.ctx.repos.items.get(inside.id))!.status).toBe('approved');
    const refused = await inject('POST', '/api/items', { url: 'https://random-site.test/other', playlistId: sites.playlistId }, teacher);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('domain_not_allowed');
    // Video playlists are not limited by this setting.
    const video = await inject('POST', '/api/items', { url: 'https://random-site.test/x.mp4', playlistId: robins.playlistId }, teacher);
    expect(video.json().error?.code).not.toBe('domain_not_allowed');
    await inject('PUT', '/api/admin/settings', { sitesAllowListOnly: false });
  });

  it('exports the approved sites of a site list as a domain list and a PAC file', async () => {
    const sites = await makeClassAndPlaylist(app, teacher, 'sites');
    await makeItem(t, sites.playlistId, { url: 'https://www.bbc.co.uk/cbeebies/games' });
    await makeItem(t, sites.playlistId, { url: 'https://www.bbc.co.uk/bitesize' });
    await makeItem(t, sites.playlistId, { url: 'https://www.natgeokids.com/uk/' });
    await makeItem(t, sites.playlistId, { url: 'https://unvetted.example/', status: 'awaiting_review' });
    await makeItem(t, sites.playlistId, { url: 'https://gone.example/', expiresAt: new Date(Date.now() - 1000) });
    const list = await inject('GET', `/api/playlists/${sites.playlistId}/export?format=domains`, undefined, teacher);
    expect(list.statusCode).toBe(200);
    expect(list.headers['content-type']).toContain('text/plain');
    expect(list.body).toBe('www.bbc.co.uk\nwww.natgeokids.com\n');
    const pac = await inject('GET', `/api/playlists/${sites.playlistId}/export?format=pac&otherwise=${encodeURIComponent('PROXY filter.school.test:8080')}`, undefined, teacher);
    expect(pac.headers['content-type']).toBe('application/x-ns-proxy-autoconfig');
    expect(pac.body).toContain('function FindProxyForURL(url, host)');
    expect(pac.body).toContain('"127.0.0.1","www.bbc.co.uk","www.natgeokids.com"');
    expect(pac.body).toContain('return "PROXY filter.school.test:8080";');
    expect(pac.body).not.toContain('unvetted.example');
    const bad = await inject('GET', `/api/playlists/${sites.playlistId}/export?format=pac&otherwise=${encodeURIComponent('"; alert(1); "')}`, undefined, teacher);
    expect(bad.statusCode).toBe(400);
    expect((await inject('GET', `/api/playlists/${robins.playlistId}/export`, undefined, teacher)).statusCode).toBe(409);
  });
});

describe('expiry', () => {
  it('applies the school default at approval: the earlier of N days and a fixed date; a per-item expiry is kept', async () => {
    const days = await inject('PUT', '/api/admin/settings', { defaultExpiry: { days: 10 } });
    expect(days.json().defaultExpiry).toEqual({ days: 10 });
    const a = await makeItem(t, robins.playlistId, { status: 'awaiting_review' });
    const approved = (await inject('POST', `/api/items/${a.id}/approve`, { acknowledge: ['watched_elsewhere'] }, teacher)).json();
    const in10 = Date.now() + 10 * 86400_000;
    expect(Math.abs(new Date(approved.expiresAt).getTime() - in10)).toBeLessThan(60_000);

    const endOfTerm = new Date(Date.now() + 3 * 86400_000).toISOString().slice(0, 10);
    await inject('PUT', '/api/admin/settings', { defaultExpiry: { days: 10, until: endOfTerm } });
    const b = await makeItem(t, robins.playlistId, { status: 'awaiting_review' });
    const approvedB = (await inject('POST', `/api/items/${b.id}/approve`, { acknowledge: ['watched_elsewhere'] }, teacher)).json();
    expect(approvedB.expiresAt).toBe(`${endOfTerm}T23:59:59.999Z`);

    const c = await makeItem(t, robins.playlistId, { status: 'awaiting_review' });
    const own = new Date(Date.now() + 86400_000).toISOString();
    await inject('PATCH', `/api/items/${c.id}`, { expiresAt: own }, teacher);
    expect((await inject('POST', `/api/items/${c.id}/approve`, { acknowledge: ['watched_elsewhere'] }, teacher)).json().expiresAt).toBe(own);

    const past = await inject('PUT', '/api/admin/settings', { defaultExpiry: { until: '2001-01-01' } });
    expect(past.statusCode).toBe(400);
    await inject('PUT', '/api/admin/settings', { defaultExpiry: null });
    const d = await makeItem(t, robins.playlistId, { status: 'awaiting_review' });
    expect((await inject('POST', `/api/items/${d.id}/approve`, { acknowledge: ['watched_elsewhere'] }, teacher)).json().expiresAt).toBeNull();
    expect((await auditActions(app, admin, 'action=settings.update')).length).toBeGreaterThanOrEqual(3);
  });

  it('an item past its expiry leaves the board at once; the expiry job marks it expired and audits it', async () => {
    const item = await makeItem(t, robins.playlistId, { expiresAt: new Date(Date.now() + 1500) });
    expect(await boardIds(robins.boardToken)).toContain(item.id);
    await new Promise((r) => setTimeout(r, 1600));
    expect(await boardIds(robins.boardToken)).not.toContain(item.id);
    const expired = await expireDue(t.ctx);
    expect(expired.map((i) => i.id)).toContain(item.id);
    expect((await t.ctx.repos.items.get(item.id))!.status).toBe('expired');
    expect((await auditActions(app, admin, `target=item:${item.id}`))[0]).toMatchObject({ action: 'item.expire', actor: 'system' });
    expect(await expireDue(t.ctx)).toEqual([]);
  });
});
