/**
 * No input makes the server fail (issue 9): every route the app registers is sent random and malformed path
 * parameters, query strings and bodies (fast-check), as an anonymous caller, a teacher and an admin. Every
 * answer must be a 2xx, 3xx or 4xx, and every 4xx must carry the error shape {error: {code, message}}; never a
 * 500, never a crash. Real ids of a class, playlist and item are mixed in so that requests get past the
 * "not found" checks and reach the handlers' own validation.
 *
 * Kept to a modest number of runs per route (this runs in CI with the rest of the suite); set
 * PROPERTY_RUNS for a longer hunt, and FC_SEED to replay a failure.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTableOf, type RouteRule } from '../../src/http/route-table.js';
import { addStaff, buildTestApp, createTestEnv, makeClassAndPlaylist, signIn, type TestApp, type TestEnv } from '../helpers/harness.js';
import { makeItem } from '../helpers/governance.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 25);
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;

let t: TestEnv;
let app: TestApp;
let personas: Array<{ name: string; cookie: string | undefined }>;
let real: { classId: string; playlistId: string; sitesId: string; itemId: string; generation: number; boardToken: string };

beforeAll(async () => {
  t = await createTestEnv();
  app = await buildTestApp(t);
  await addStaff(t, 'head@school.test', 'admin');
  await addStaff(t, 'teacher@school.test');
  const admin = await signIn(app, 'head@school.test');
  const teacher = await signIn(app, 'teacher@school.test');
  const cls = await makeClassAndPlaylist(app, teacher);
  const sites = await app.inject({ method: 'POST', url: '/api/playlists', headers: { cookie: teacher }, payload: { classId: cls.classId, name: 'Sites', kind: 'sites' } });
  const item = await makeItem(t, cls.playlistId, { status: 'approved' });
  real = { classId: cls.classId, playlistId: cls.playlistId, sitesId: sites.json().id, itemId: item.id, generation: item.media_generation, boardToken: cls.boardToken };
  personas = [
    { name: 'anonymous', cookie: undefined },
    { name: 'teacher', cookie: teacher },
    { name: 'admin', cookie: admin },
  ];
}, 60_000);

afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

/** Text that has broken things before: huge and odd dates, numbers, escapes, NUL, long strings, markup. */
const nastyText = fc.oneof(
  fc.constantFrom(
    '', ' ', '\u0000', '%', '%ff', '%00', '%2e%2e', '../..', '+200000-01-01', '-271821-04-20', '0000-00-00', '9999-12-31T23:59:59Z',
    '2025-02-30', '1e400', '-1e400', 'NaN', 'Infinity', '-0', '0x10', '१२३', 'null', 'true', '[]', '{}', "'; DROP TABLE items; --",
    '<script>alert(1)</script>', 'urn:uuid:00000000-0000-4000-8000-000000000000', '00000000-0000-4000-8000-000000000000',
    // Links whose host would need a DNS look-up are left out: tests never reach a resolver outside this machine.
    'http://127.0.0.1:9/%ff.mp4', 'http://[::1]:9/clip.mp4', 'javascript:alert(1)', 'file:///etc/passwd', 'http://user:pw@127.0.0.1/a.mp4',
    'https://www.youtube.com/watch?v=AbCdEfGhIjK', 'a'.repeat(5000), '\ud800', '💥', 'head@school.test',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

const realIds = () => [real.classId, real.playlistId, real.sitesId, real.itemId];
const idLike = fc.oneof(fc.uuid(), fc.constantFrom(...['class', 'playlist', 'sites', 'item'] as const).map((k) => ({ class: real.classId, playlist: real.playlistId, sites: real.sitesId, item: real.itemId })[k]));

/** Any JSON value, with the nasty texts and real ids among the leaves. */
const jsonLeaf = fc.oneof(nastyText, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), idLike, fc.constant(2 ** 53 + 1), fc.constant(-1));
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, jsonLeaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 })),
})).value;

/** Field names the API uses, so that random bodies often hit real fields with wrong values. */
const FIELDS = [
  'name', 'classId', 'kind', 'url', 'playlistId', 'title', 'startSeconds', 'endSeconds', 'reason', 'note', 'expiresAt', 'itemIds',
  'email', 'password', 'role', 'disabled', 'version', 'text', 'pattern', 'action', 'dryRun', 'defaultExpiry', 'sitesAllowListOnly',
  'code', 'currentPassword', 'newPassword', 'mustChangePassword', 'acknowledge', 'ranges', 'openLive', 'days', 'until',
] as const;
const QUERY_KEYS = ['format', 'status', 'from', 'to', 'limit', 'action', 'actor', 'target', 'version', 'url', 'sites', 'filename', 'title', 'otherwise', 'refusal'] as const;

const fieldBody = fc.dictionary(fc.constantFrom(...FIELDS), jsonValue, { maxKeys: 5 });
const rawBody = fc.oneof(
  fc.constantFrom('{"startSeconds": 1e400}', '{"endSeconds": -1e999}', '{"__proto__": {"admin": true}}', '{"constructor": {"prototype": {}}}', '{', 'null', '[]', '"text"', '{"a":'.repeat(50)),
  fc.string({ maxLength: 60 }),
);
const body = fc.oneof(
  { weight: 4, arbitrary: fieldBody.map((b) => ({ kind: 'json' as const, payload: JSON.stringify(b) })) },
  { weight: 2, arbitrary: jsonValue.map((b) => ({ kind: 'json' as const, payload: JSON.stringify(b) ?? 'null' })) },
  { weight: 1, arbitrary: rawBody.map((b) => ({ kind: 'json' as const, payload: b })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((b) => ({ kind: 'octets' as const, payload: Buffer.from(b) })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }).map((b) => ({ kind: 'form' as const, payload: b })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const, payload: '' }) },
);

const paramValue = fc.oneof(
  { weight: 3, arbitrary: idLike },
  { weight: 2, arbitrary: nastyText.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd'))) },
  // Raw, possibly broken escapes straight into the path.
  { weight: 1, arbitrary: fc.constantFrom('%', '%ff', '%00', '%E0%A4%A', '..', '%2F', 'a%2Fb') },
  { weight: 1, arbitrary: fc.constant('__token__') },
);
const query = fc.dictionary(fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 6 })), nastyText, { maxKeys: 4 });


function buildUrl(route: RouteRule, params: string[], q: Record<string, string>, opts: { streaming: boolean }): string {
  let i = 0;
  let path = route.url.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    let value = params[i++ % Math.max(1, params.length)] ?? 'x';
    if (value === '__token__') value = name === 'token' ? real.boardToken : real.itemId;
    if (name === 'generation' && /^[0-9a-f-]{36}$/.test(value)) value = String(real.generation);
    // A stream on a real item or board would stay open: those routes get only ids that do not exist.
    if (opts.streaming && (realIds().includes(value) || value === real.boardToken)) value = '00000000-0000-4000-8000-000000000000';
    return value;
  });
  if (route.url.endsWith('*')) path = path.replace(/\*$/, params[0] ?? 'x');
  const search = new URLSearchParams(q).toString();
  return search ? `${path}?${search}` : path;
}

const isStreaming = (route: RouteRule) => route.url.endsWith('/events');

describe('no 500 on any input', () => {
  for (const personaName of ['anonymous', 'teacher', 'admin']) {
    it(`as ${personaName}: every route answers 2xx/3xx/4xx with the error shape`, async () => {
      const persona = personas.find((p) => p.name === personaName)!;
      const routes = routeTableOf(app).filter(
        (r) =>
          r.method !== 'HEAD' &&
          // Ending its own session or password would leave the rest of the run anonymous.
          !(persona.cookie && ['/api/logout', '/api/password'].includes(r.url)) &&
          // A stream that needs no id stays open for a signed-in caller (it is tested by its own suite).
          !(persona.cookie && isStreaming(r) && !r.url.includes(':')),
      );
      expect(routes.length).toBeGreaterThan(50);
      for (const route of routes) {
        const streaming = isStreaming(route);
        await fc.assert(
          fc.asyncProperty(fc.array(paramValue, { minLength: 1, maxLength: 4 }), query, body, async (params, q, b) => {
            const url = buildUrl(route, params, q, { streaming });
            const headers: Record<string, string> = {};
            if (persona.cookie) headers.cookie = persona.cookie;
            const hasBody = !['GET', 'DELETE'].includes(route.method) && b.kind !== 'none';
            if (hasBody) {
              headers['content-type'] = { json: 'application/json', octets: 'application/octet-stream', form: 'application/x-www-form-urlencoded', none: '' }[b.kind];
            }
            const res = await app.inject({ method: route.method as 'GET', url, headers, ...(hasBody ? { payload: b.payload } : {}) });
            const label = `${persona.name} ${route.method} ${url} → ${res.statusCode} ${res.body.slice(0, 300)}`;
            expect(res.statusCode, label).toBeLessThan(500);
            if (res.statusCode >= 400 && String(res.headers['content-type'] ?? '').includes('application/json')) {
              const parsed = res.json() as { error?: { code?: unknown; message?: unknown } };
              expect(typeof parsed.error?.code, label).toBe('string');
              expect(typeof parsed.error?.message, label).toBe('string');
            }
          }),
          { numRuns: RUNS, seed: SEED, verbose: 1 },
        );
      }
      // The server is still there and still right after all of it.
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
    }, 240_000);
  }
});
