import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { settleFailure } from '../../src/worker/outcome.js';
import { statusError } from '../../src/net/errors.js';
import { VettedError } from '../../src/domain/errors.js';
import { addStaff, buildTestApp, createTestEnv, makeClassAndPlaylist, signIn, signInTeacher, type TestApp, type TestEnv } from '../helpers/harness.js';
import { makeItem } from '../helpers/governance.js';
import { rejection } from '../helpers/errors.js';

// Issue 15: a failure says its cause, promises a retry only while one is scheduled (and says when), and
// says so when Vetted has stopped; a link typed without http(s):// is taken as the teacher meant it.
let t: TestEnv;
let app: TestApp;
let teacher: string;
let playlistId: string;

beforeAll(async () => {
  t = await createTestEnv();
  app = await buildTestApp(t);
  teacher = await signInTeacher(t, app);
  ({ playlistId } = await makeClassAndPlaylist(app, teacher));
});

afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

const log = () => {};

describe('retrying, in words that tell the truth', () => {
  it('while a retry is scheduled the item says when; after the last try it says Vetted stopped', async () => {
    const item = await makeItem(t, playlistId, { status: 'fetching', media: false });
    const busy = statusError(503)!;
    expect(busy.transient).toBe(true);

    const thrown = await rejection(settleFailure(t.ctx.repos.items, item.id, busy, { made: 0, max: 4, retryInMs: 120_000 }, log));
    expect(thrown).toBe(busy); // rethrown: BullMQ retries
    let now = (await t.ctx.repos.items.get(item.id))!;
    expect(now.status).toBe('fetching');
    expect(now.error_message).toBe('The site is having trouble right now (HTTP 503). Vetted will try again in about 2 minutes (try 2 of 4).');

    const last = await rejection(settleFailure(t.ctx.repos.items, item.id, busy, { made: 3, max: 4, retryInMs: 960_000 }, log));
    expect(last).toBeInstanceOf(UnrecoverableError);
    now = (await t.ctx.repos.items.get(item.id))!;
    expect(now.status).toBe('failed');
    expect(now.error_message).toMatch(/^The site is having trouble right now \(HTTP 503\)\. Vetted tried 4 times and has stopped\./);
    expect(now.error_message).not.toMatch(/will try again/);
  });

  it('a permanent failure promises nothing and is not reworded', async () => {
    const item = await makeItem(t, playlistId, { status: 'fetching', media: false });
    const gone = statusError(404)!;
    await rejection(settleFailure(t.ctx.repos.items, item.id, gone, { made: 0, max: 4, retryInMs: 1000 }, log));
    const now = (await t.ctx.repos.items.get(item.id))!;
    expect(now.status).toBe('failed');
    expect(now.error_message).toBe(gone.message);
    expect(now.error_message).not.toMatch(/try again|video/);
  });

  it('an item taken off meanwhile gets no stale retry note', async () => {
    const item = await makeItem(t, playlistId, { status: 'rejected', media: false });
    await rejection(settleFailure(t.ctx.repos.items, item.id, new VettedError('fetch_timeout', 'Slow. Vetted will try again later.', { transient: true }), { made: 0, max: 3, retryInMs: 1000 }, log));
    expect((await t.ctx.repos.items.get(item.id))!.error_message).toBeNull();
  });
});

describe('a link typed as a teacher would mean it', () => {
  it('takes "example.org/frogs.mp4" as https://example.org/frogs.mp4', async () => {
    // FETCH_ALLOW_PRIVATE is not needed: a blocked-domain rule answers before any look-up.
    const admin = await (async () => {
      await addStaff(t, 'head@school.test', 'admin');
      return signIn(app, 'head@school.test');
    })();
    await app.inject({ method: 'POST', url: '/api/admin/domain-rules', headers: { cookie: admin }, payload: { pattern: 'blocked.example', action: 'block' } });
    const res = await app.inject({ method: 'POST', url: '/api/items', headers: { cookie: teacher }, payload: { url: 'www.blocked.example/frogs.mp4', playlistId } });
    // Understood as a link (not refused as "not a link"), and then judged by the school's rule.
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('domain_blocked');
    const nonsense = await app.inject({ method: 'POST', url: '/api/items', headers: { cookie: teacher }, payload: { url: 'frogs and toads', playlistId } });
    expect(nonsense.statusCode).toBeGreaterThanOrEqual(400);
    expect(nonsense.json().error.code).not.toBe('domain_blocked');
  });
});
