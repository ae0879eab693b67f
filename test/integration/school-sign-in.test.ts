import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcClient } from '../../src/auth/oidc.js';
import { acknowledgeReminder, buildTestApp, childEnv, createTestEnv, signIn as signInWithPassword, type TestApp, type TestEnv } from '../helpers/harness.js';
import { cli } from '../helpers/processes.js';
import { CookieJar, freeLoopbackPort, startTestIdp, throughProvider, type TestIdp } from '../helpers/oidc-idp.js';

// School-account sign-in end to end against a real OpenID provider (oidc-provider on a loopback port): Vetted
// listens on its own port, a cookie-jar "browser" follows every redirect and posts the provider's sign-in form.
const SECRET = 'vetted-test-secret-0123456789';
const PASSWORD = 'correct horse battery';

let idp: TestIdp; // the school's provider
let otherIdp: TestIdp; // someone else's provider, with a client of the same name
let one: School; // auto-create off, password sign-in on (the admin can turn it off)
let two: School; // auto-create teacher, PASSWORD_LOGIN=off

interface School {
  t: TestEnv;
  app: TestApp;
  base: string;
}

async function startSchool(port: number, env: Record<string, string>): Promise<School> {
  const base = `http://127.0.0.1:${port}`;
  const t = await createTestEnv({
    PUBLIC_URL: base,
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: 'vetted',
    OIDC_CLIENT_SECRET: SECRET,
    OIDC_ALLOWED_DOMAINS: 'school.test, juniors.school.test',
    OIDC_LABEL: 'Sign in with Test School',
    ...env,
  });
  const app = await buildTestApp(t);
  await app.listen({ host: '127.0.0.1', port });
  return { t, app, base };
}

beforeAll(async () => {
  const [p1, p2] = [await freeLoopbackPort(), await freeLoopbackPort()];
  const callbacks = [p1, p2].map((p) => `http://127.0.0.1:${p}/api/auth/oidc/callback`);
  const accounts = [
    { sub: 'sub-teacher', email: 'Teacher@School.test' },
    { sub: 'sub-head', email: 'head@school.test' },
    { sub: 'sub-new', email: 'new.starter@school.test' },
    { sub: 'sub-unverified', email: 'unverified@school.test', email_verified: false },
    { sub: 'sub-outsider', email: 'visitor@elsewhere.test' },
    { sub: 'sub-gone', email: 'gone@school.test' },
    { sub: 'sub-imposter', email: 'linked@school.test' },
    { sub: 'sub-linked', email: 'linked@school.test' },
  ];
  idp = await startTestIdp({
    clients: [
      { client_id: 'vetted', client_secret: SECRET, redirect_uris: callbacks },
      { client_id: 'other-app', client_secret: 'other-secret-0123456789', redirect_uris: callbacks },
    ],
    accounts,
  });
  otherIdp = await startTestIdp({ clients: [{ client_id: 'vetted', client_secret: SECRET, redirect_uris: callbacks }], accounts });
  one = await startSchool(p1, {});
  two = await startSchool(p2, { OIDC_AUTO_CREATE: 'teacher', PASSWORD_LOGIN: 'off' });

  const { hashPassword } = await import('../../src/auth/passwords.js');
  const hash = await hashPassword(PASSWORD);
  for (const s of [one, two]) {
    const { users, accounts: admin } = s.t.ctx.repos;
    await users.create('teacher@school.test', hash, 'teacher');
    await users.create('head@school.test', hash, 'admin');
    await users.create('deputy@school.test', hash, 'admin');
    await users.create('unverified@school.test', hash, 'teacher');
    await users.create('visitor@elsewhere.test', hash, 'teacher');
    await users.create('linked@school.test', hash, 'teacher');
    const gone = await users.create('gone@school.test', hash, 'teacher');
    await admin.setDisabled(gone.id, true);
  }
});

afterAll(async () => {
  for (const s of [one, two]) {
    await s?.app.close();
    await s?.t.cleanup();
  }
  await idp?.close();
  await otherIdp?.close();
});

/** Starts a sign-in at Vetted: the attempt cookie lands in the jar, and the provider's authorization URL comes back. */
async function start(s: School, jar: CookieJar, returnTo?: string): Promise<URL> {
  const res = await jar.fetch(`${s.base}/api/auth/oidc/start${returnTo ? `?return=${encodeURIComponent(returnTo)}` : ''}`);
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

/** The callback's answer: where it sends the browser, and the session cookie if it set one. */
async function callback(s: School, jar: CookieJar, url: string) {
  const res = await jar.fetch(url);
  expect(res.status, await res.clone().text()).toBe(302);
  const session = jar.get(s.base, 'vetted_session');
  return { location: res.headers.get('location')!, session: session ? `vetted_session=${session}` : undefined };
}

/** A whole sign-in as a person at the provider. */
async function signIn(s: School, account: string, opts: { returnTo?: string; cancel?: boolean; jar?: CookieJar } = {}) {
  const jar = opts.jar ?? new CookieJar();
  const authorize = await start(s, jar, opts.returnTo);
  const callbackUrl = await throughProvider(jar, authorize.toString(), { account, cancel: opts.cancel });
  expect(callbackUrl.startsWith(`${s.base}/api/auth/oidc/callback?`)).toBe(true);
  return { jar, callbackUrl, ...(await callback(s, jar, callbackUrl)) };
}

async function lastAudit(s: School, action: string) {
  const row = await s.t.ctx.db
    .selectFrom('audit_log')
    .selectAll()
    .where('action', '=', action)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { ...row, detail: row.detail as unknown as Record<string, unknown> } : undefined;
}

async function passwordLogin(s: School, email: string) {
  return s.app.inject({ method: 'POST', url: '/api/login', payload: { email, password: PASSWORD } });
}

/** What the sign-in page would say for a refusal the callback sent the browser back with. */
async function sentenceFor(s: School, location: string): Promise<string> {
  const refusal = new URL(location, s.base).searchParams.get('signin') ?? '';
  const res = await s.app.inject({ method: 'GET', url: `/api/auth/methods?refusal=${refusal}` });
  return res.json().refusal.message;
}

async function refusedWith(s: School, outcome: { location: string; session?: string }, code: string) {
  expect(outcome.session).toBeUndefined();
  expect(outcome.location).toBe(`/?signin=${code}`);
  expect((await sentenceFor(s, outcome.location)).length).toBeGreaterThan(30);
  const audit = await lastAudit(s, 'login.refused');
  expect(audit?.detail).toMatchObject({ method: 'school_account', reason: code });
  return audit!;
}

describe('the sign-in page learns what is offered', () => {
  it('offers the school account with its label and password sign-in, without a session', async () => {
    const res = await one.app.inject({ method: 'GET', url: '/api/auth/methods' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ password: true, schoolAccount: { label: 'Sign in with Test School', start: '/api/auth/oidc/start' }, refusal: null });
    const off = await two.app.inject({ method: 'GET', url: '/api/auth/methods?refusal=made_up_words' });
    expect(off.json()).toMatchObject({ password: false, refusal: null });
  });
});

describe('signing in with the school account', () => {
  it('matches the staff account by e-mail (any case), records the subject, and still asks for the reminder', async () => {
    const { location, session, callbackUrl } = await signIn(one, 'sub-teacher');
    expect(location).toBe('/');
    expect(session).toBeDefined();
    const url = new URL(callbackUrl);
    expect(url.searchParams.get('code')).toBeTruthy();
    expect(url.searchParams.get('iss')).toBe(idp.issuer);

    const me = await one.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session! } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { email: 'teacher@school.test', role: 'teacher' }, reminderAcknowledged: false });
    // The e-safety reminder gate applies after a school-account sign-in too.
    const blocked = await one.app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: session! } });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('reminder_not_acknowledged');
    const ack = await one.app.inject({ method: 'POST', url: '/api/reminder/acknowledge', headers: { cookie: session! }, payload: { version: me.json().reminderVersion } });
    expect(ack.statusCode).toBe(200);
    expect((await one.app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: session! } })).statusCode).toBe(200);

    const user = await one.t.ctx.repos.users.byEmail('teacher@school.test');
    expect(user).toMatchObject({ oidc_issuer: idp.issuer, oidc_subject: 'sub-teacher' });
    expect((await lastAudit(one, 'login'))?.detail).toMatchObject({ method: 'school_account' });
    expect((await lastAudit(one, 'user.link_school_account'))?.target).toBe(`user:${user!.id}`);
    // The attempt is used up and its cookie cleared.
    expect((await one.t.ctx.db.selectFrom('sign_in_attempts').selectAll().execute()).length).toBe(0);
  });

  it('returns to the admin console when the sign-in started there, and nowhere else', async () => {
    expect((await signIn(one, 'sub-head', { returnTo: '/admin' })).location).toBe('/admin');
    expect((await signIn(one, 'sub-head', { returnTo: 'https://evil.example/' })).location).toBe('/');
    expect((await signIn(one, 'sub-head', { returnTo: '//evil.example' })).location).toBe('/');
  });

  it('keeps the account when the e-mail changes at the provider (matched by subject)', async () => {
    const first = await signIn(one, 'sub-teacher');
    const before = (await one.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: first.session! } })).json().user.id;
    idp.accounts.get('sub-teacher')!.email = 'teacher.married.name@school.test';
    try {
      const again = await signIn(one, 'sub-teacher');
      expect(again.location).toBe('/');
      const me = await one.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: again.session! } });
      expect(me.json().user.id).toBe(before);
      expect((await lastAudit(one, 'login'))?.detail).toMatchObject({ providerEmail: 'teacher.married.name@school.test' });
    } finally {
      idp.accounts.get('sub-teacher')!.email = 'Teacher@School.test';
    }
  });

  it('shows each account’s sign-in method in the admin console', async () => {
    const admin = (await signIn(one, 'sub-head')).session!;
    await acknowledgeReminder(one.app, admin);
    const list = await one.app.inject({ method: 'GET', url: '/api/admin/users', headers: { cookie: admin } });
    expect(list.statusCode).toBe(200);
    const byEmail = new Map(list.json().users.map((u: { email: string }) => [u.email, u]));
    expect(byEmail.get('teacher@school.test')).toMatchObject({ signInMethods: ['password', 'school_account'], breakGlass: false });
    expect(byEmail.get('deputy@school.test')).toMatchObject({ signInMethods: ['password'] });
    const check = await one.app.inject({ method: 'GET', url: '/api/admin/sign-in/check', headers: { cookie: admin } });
    expect(check.json()).toEqual({ ok: true, message: `Vetted reached ${idp.issuer} and read its settings; sign-ins go to ${idp.issuer}/auth.` });
    const settings = await one.app.inject({ method: 'GET', url: '/api/admin/sign-in', headers: { cookie: admin } });
    expect(settings.json()).toMatchObject({
      passwordSignIn: { open: true, byConfiguration: 'on', bySchool: 'on' },
      schoolAccount: { issuer: idp.issuer, allowedDomains: ['school.test', 'juniors.school.test'], autoCreate: 'off', redirectUri: `${one.base}/api/auth/oidc/callback` },
    });
  });
});

describe('account changes the admin makes', () => {
  it('a password the admin reset does not hold up a school-account session', async () => {
    const user = (await one.t.ctx.repos.users.byEmail('teacher@school.test'))!;
    await one.t.ctx.repos.accounts.requirePasswordChange(user.id);
    try {
      const { session } = await signIn(one, 'sub-teacher');
      await acknowledgeReminder(one.app, session!);
      expect((await one.app.inject({ method: 'GET', url: '/api/classes', headers: { cookie: session! } })).statusCode).toBe(200);
      // The same account signing in with its password is still asked to choose a new one.
      const password = await passwordLogin(one, 'teacher@school.test');
      expect(password.json().mustChangePassword).toBe(true);
    } finally {
      await one.t.ctx.db.updateTable('users').set({ must_change_password: false }).where('id', '=', user.id).execute();
    }
  });

  it('the admin adds someone without a password; they sign in with their school account', async () => {
    const admin = (await signIn(one, 'sub-head')).session!;
    await acknowledgeReminder(one.app, admin);
    const added = await one.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { email: 'Supply.Teacher@school.test', role: 'teacher' } });
    expect(added.statusCode).toBe(201);
    expect(added.json().user).toMatchObject({ email: 'supply.teacher@school.test', signInMethods: [] });
    expect((await lastAudit(one, 'user.create'))?.detail).toEqual({ role: 'teacher', signIn: 'school_account' });
    idp.accounts.set('sub-supply', { sub: 'sub-supply', email: 'supply.teacher@school.test' });
    expect((await signIn(one, 'sub-supply')).location).toBe('/');
    const list = await one.app.inject({ method: 'GET', url: '/api/admin/users', headers: { cookie: admin } });
    expect(list.json().users.find((u: { email: string }) => u.email === 'supply.teacher@school.test').signInMethods).toEqual(['school_account']);

    // Where the school does not sign in with school accounts, a new account needs its first password.
    const plain = await createTestEnv();
    const plainApp = await buildTestApp(plain);
    try {
      const { hashPassword } = await import('../../src/auth/passwords.js');
      await plain.ctx.repos.users.create('head@school.test', await hashPassword(PASSWORD), 'admin');
      const cookie = await signInWithPassword(plainApp, 'head@school.test', PASSWORD);
      const refused = await plainApp.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie }, payload: { email: 'x@school.test', role: 'teacher' } });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.code).toBe('password_required');
      expect((await plainApp.inject({ method: 'GET', url: '/api/auth/oidc/start' })).headers.location).toBe('/?signin=not_configured');
    } finally {
      await plainApp.close();
      await plain.cleanup();
    }
  });

  it('erasing an account forgets its provider subject: the person is unknown afterwards', async () => {
    const { users, schoolAccounts } = one.t.ctx.repos;
    idp.accounts.set('sub-leaver', { sub: 'sub-leaver', email: 'leaver@school.test' });
    const leaver = await users.create('leaver@school.test', '!school-account', 'teacher');
    expect((await signIn(one, 'sub-leaver')).session).toBeDefined();
    expect((await schoolAccounts.bySubject(idp.issuer, 'sub-leaver'))?.id).toBe(leaver.id);
    await one.t.ctx.repos.accounts.erase(leaver.id);
    expect(await schoolAccounts.bySubject(idp.issuer, 'sub-leaver')).toBeUndefined();
    await refusedWith(one, await signIn(one, 'sub-leaver'), 'unknown_account');
  });
});

describe('refusals: a sentence on the sign-in page and an audit entry, never a session or a 500', () => {
  it('a state that is not this browser’s sign-in', async () => {
    const jar = new CookieJar();
    const authorize = await start(one, jar);
    const cb = new URL(await throughProvider(jar, authorize.toString(), { account: 'sub-teacher' }));
    cb.searchParams.set('state', 'an-attackers-state');
    const audit = await refusedWith(one, await callback(one, jar, cb.toString()), 'sign_in_expired');
    expect(String(audit.detail.cause)).toMatch(/state/);
  });

  it('a callback in a browser that never started a sign-in (someone else’s code pushed at a teacher)', async () => {
    const attacker = new CookieJar();
    const authorize = await start(one, attacker);
    const callbackUrl = await throughProvider(attacker, authorize.toString(), { account: 'sub-outsider' });
    const audit = await refusedWith(one, await callback(one, new CookieJar(), callbackUrl), 'sign_in_expired');
    expect(audit.detail.cause).toBe('no attempt cookie');
  });

  it('a replayed code: the same callback again, and the code with a fresh sign-in', async () => {
    const first = await signIn(one, 'sub-teacher');
    expect(first.session).toBeDefined();
    // The same browser and URL again: the attempt was used up (and its cookie cleared).
    expect(first.jar.get(one.base, 'vetted_sign_in')).toBeUndefined();
    const replayJar = new CookieJar();
    await refusedWith(one, await callback(one, replayJar, first.callbackUrl), 'sign_in_expired');
    // A fresh attempt with the old code: its state is right, but the provider will not redeem the code twice.
    const code = new URL(first.callbackUrl).searchParams.get('code')!;
    const fresh = new CookieJar();
    const authorize = await start(one, fresh);
    const state = authorize.searchParams.get('state')!;
    const url = `${one.base}/api/auth/oidc/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}&iss=${encodeURIComponent(idp.issuer)}`;
    const audit = await refusedWith(one, await callback(one, fresh, url), 'provider_refused');
    expect(String(audit.detail.cause)).toMatch(/invalid_grant/);
  });

  it('a nonce that is not the one Vetted sent', async () => {
    const jar = new CookieJar();
    const authorize = await start(one, jar);
    authorize.searchParams.set('nonce', 'a-nonce-from-another-sign-in');
    const cb = await throughProvider(jar, authorize.toString(), { account: 'sub-teacher' });
    const audit = await refusedWith(one, await callback(one, jar, cb), 'token_rejected');
    expect(String(audit.detail.cause)).toMatch(/nonce/);
  });

  /** An ID token from `server` for `clientId`, with Vetted's nonce, got by a flow of the test's own. */
  async function tokenFrom(server: TestIdp, clientId: string, clientSecret: string, nonce: string, redirectUri: string): Promise<string> {
    const config = await client.discovery(new URL(server.issuer), clientId, clientSecret, client.ClientSecretBasic(clientSecret), {
      execute: [client.allowInsecureRequests],
    });
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const cb = await throughProvider(new CookieJar(), url.toString(), { account: 'sub-teacher' });
    const tokens = await client.authorizationCodeGrant(config, new URL(cb), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    return tokens.id_token!;
  }

  it('an ID token minted for another client, or by another issuer, in the provider’s answer', async () => {
    const redirectUri = `${one.base}/api/auth/oidc/callback`;
    for (const [server, clientId, clientSecret, expected] of [
      [idp, 'other-app', 'other-secret-0123456789', /aud/],
      [otherIdp, 'vetted', SECRET, /iss/],
    ] as const) {
      const jar = new CookieJar();
      const authorize = await start(one, jar);
      const foreign = await tokenFrom(server, clientId, clientSecret, authorize.searchParams.get('nonce')!, redirectUri);
      idp.tamperTokens = () => foreign;
      try {
        const cb = await throughProvider(jar, authorize.toString(), { account: 'sub-teacher' });
        const audit = await refusedWith(one, await callback(one, jar, cb), 'token_rejected');
        expect(String(audit.detail.cause)).toMatch(expected);
      } finally {
        idp.tamperTokens = null;
      }
    }
  });

  it('an authorization answer from another provider (mix-up)', async () => {
    const jar = new CookieJar();
    const authorize = await start(one, jar);
    // The same request, sent to the other provider: it answers with its own code and issuer.
    const elsewhere = new URL(`${otherIdp.issuer}/auth${authorize.search}`);
    const cb = await throughProvider(jar, elsewhere.toString(), { account: 'sub-teacher' });
    expect(new URL(cb).searchParams.get('iss')).toBe(otherIdp.issuer);
    const audit = await refusedWith(one, await callback(one, jar, cb), 'token_rejected');
    expect(String(audit.detail.cause)).toMatch(/iss/);
  });

  it('an e-mail the provider has not verified', async () => {
    const r = await signIn(one, 'sub-unverified');
    await refusedWith(one, r, 'email_not_verified');
    expect((await one.t.ctx.repos.users.byEmail('unverified@school.test'))?.oidc_subject).toBeNull();
  });

  it('an e-mail domain the school does not allow, even with a matching account', async () => {
    const audit = await refusedWith(one, await signIn(one, 'sub-outsider'), 'domain_not_allowed');
    expect(audit.detail.domain).toBe('elsewhere.test');
  });

  it('a disabled account, at first sign-in and once linked', async () => {
    const audit = await refusedWith(one, await signIn(one, 'sub-gone'), 'account_disabled');
    const gone = await one.t.ctx.repos.users.byEmail('gone@school.test');
    expect(audit.target).toBe(`user:${gone!.id}`);
    // Linked, then disabled by the admin: refused too, and the password does not work either.
    const linked = await signIn(one, 'sub-linked');
    expect(linked.session).toBeDefined();
    const user = (await one.t.ctx.repos.users.byEmail('linked@school.test'))!;
    await one.t.ctx.repos.accounts.setDisabled(user.id, true);
    try {
      await refusedWith(one, await signIn(one, 'sub-linked'), 'account_disabled');
      expect((await one.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: linked.session! } })).statusCode).toBe(401);
      expect((await passwordLogin(one, 'linked@school.test')).statusCode).toBe(401);
    } finally {
      await one.t.ctx.repos.accounts.setDisabled(user.id, false);
    }
  });

  it('a second person at the provider with the e-mail of an already linked account', async () => {
    await signIn(one, 'sub-linked');
    await refusedWith(one, await signIn(one, 'sub-imposter'), 'account_linked_elsewhere');
  });

  it('nobody with that e-mail, and auto-create off', async () => {
    const audit = await refusedWith(one, await signIn(one, 'sub-new'), 'unknown_account');
    expect(audit.detail.email).toBe('new.starter@school.test');
    expect(await one.t.ctx.repos.users.byEmail('new.starter@school.test')).toBeUndefined();
  });

  it('the person cancels at the provider', async () => {
    const audit = await refusedWith(one, await signIn(one, 'sub-teacher', { cancel: true }), 'provider_refused');
    expect(String(audit.detail.cause)).toMatch(/access_denied/);
  });

  it('this server’s clock two hours fast: the ID token looks expired', async () => {
    const right = one.t.ctx.oidc;
    one.t.ctx.oidc = createOidcClient(one.t.config.oidc!, { redirectUri: `${one.base}/api/auth/oidc/callback`, clockSkewSeconds: 2 * 3600 });
    try {
      const audit = await refusedWith(one, await signIn(one, 'sub-teacher'), 'clock_skew');
      expect(String(audit.detail.cause)).toMatch(/exp/);
    } finally {
      one.t.ctx.oidc = right;
    }
  });

  it('the provider down: start and callback end on the sign-in page', async () => {
    const right = one.t.ctx.oidc;
    const dead = await freeLoopbackPort();
    one.t.ctx.oidc = createOidcClient({ ...one.t.config.oidc!, issuer: `http://127.0.0.1:${dead}` }, { redirectUri: `${one.base}/api/auth/oidc/callback`, timeoutSeconds: 3 });
    try {
      const res = await new CookieJar().fetch(`${one.base}/api/auth/oidc/start`);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/?signin=provider_unreachable');
      expect((await lastAudit(one, 'login.refused'))?.detail).toMatchObject({ reason: 'provider_unreachable' });
      // The admin's connection check says so, in words.
      const cookie = await signInWithPassword(one.app, 'head@school.test', PASSWORD);
      const check = await one.app.inject({ method: 'GET', url: '/api/admin/sign-in/check', headers: { cookie } });
      expect(check.json().ok).toBe(false);
      expect(check.json().message).toMatch(new RegExp(`Vetted could not use http://127.0.0.1:${dead}: .+ Check OIDC_ISSUER`));
    } finally {
      one.t.ctx.oidc = right;
    }
  });

  it('a flood of started sign-ins stops at a ceiling instead of filling the database', async () => {
    const { sql } = await import('kysely');
    await sql`INSERT INTO sign_in_attempts (id, state, nonce, code_verifier, return_to)
      SELECT 'flood-' || g, 's', 'n', 'v', '/' FROM generate_series(1, 10000) g`.execute(one.t.ctx.db);
    try {
      const res = await new CookieJar().fetch(`${one.base}/api/auth/oidc/start`);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/?signin=sign_in_busy');
      expect(res.headers.getSetCookie().some((c) => c.startsWith('vetted_sign_in=') && !/max-age=0|expires=thu, 01 jan 1970/i.test(c))).toBe(false);
    } finally {
      await one.t.ctx.db.deleteFrom('sign_in_attempts').where('id', 'like', 'flood-%').execute();
    }
    // Old attempts are forgotten as new ones start, so the ceiling lifts by itself.
    await sql`INSERT INTO sign_in_attempts (id, state, nonce, code_verifier, return_to, created_at)
      SELECT 'stale-' || g, 's', 'n', 'v', '/', now() - interval '11 minutes' FROM generate_series(1, 10000) g`.execute(one.t.ctx.db);
    const res = await new CookieJar().fetch(`${one.base}/api/auth/oidc/start`);
    expect(new URL(res.headers.get('location')!).origin).toBe(idp.issuer);
    expect((await one.t.ctx.db.selectFrom('sign_in_attempts').select('id').where('id', 'like', 'stale-%').execute()).length).toBe(0);
  });

  it('junk at the callback is a redirect with a sentence, never a 500', async () => {
    const jar = new CookieJar();
    for (const query of ['', '?code=', '?error=server_error', '?state=%00%ff&code=%E2%82', '?code=a&code=b&state=c']) {
      await start(one, jar);
      const res = await jar.fetch(`${one.base}/api/auth/oidc/callback${query}`);
      expect(res.status, query).toBe(302);
      expect(res.headers.get('location'), query).toMatch(/^\/\?signin=[a-z_]+$/);
    }
    // A HEAD (a link checker, a prefetch) neither starts an attempt nor uses one up.
    const attempts = async () => (await one.t.ctx.db.selectFrom('sign_in_attempts').select('id').execute()).length;
    const before = await attempts();
    expect((await one.app.inject({ method: 'HEAD', url: '/api/auth/oidc/start' })).statusCode).toBe(404);
    expect((await one.app.inject({ method: 'HEAD', url: '/api/auth/oidc/callback?code=x&state=y' })).statusCode).toBe(404);
    expect(await attempts()).toBe(before);
    const noCookie = await one.app.inject({ method: 'GET', url: '/api/auth/oidc/callback?code=x&state=y' });
    expect(noCookie.statusCode).toBe(302);
    expect(noCookie.headers.location).toBe('/?signin=sign_in_expired');
  });
});

describe('password sign-in turned off', () => {
  it('by the admin: teachers are refused, the break-glass admin named by the CLI is not', async () => {
    const admin = (await signIn(one, 'sub-head')).session!;
    await acknowledgeReminder(one.app, admin);
    const off = await one.app.inject({ method: 'PUT', url: '/api/admin/sign-in', headers: { cookie: admin }, payload: { passwordSignIn: false } });
    expect(off.statusCode).toBe(200);
    expect(off.json().passwordSignIn).toMatchObject({ open: false, bySchool: 'off' });
    try {
      const teacher = await passwordLogin(one, 'teacher@school.test');
      expect(teacher.statusCode).toBe(403);
      expect(teacher.json().error).toMatchObject({ code: 'password_sign_in_off' });
      expect(teacher.json().error.message).toContain('Sign in with Test School');
      expect((await lastAudit(one, 'login.refused'))?.detail).toMatchObject({ method: 'password', reason: 'password_sign_in_off' });
      // A wrong password still answers as before: the refusal tells nothing to someone without the password.
      expect((await one.app.inject({ method: 'POST', url: '/api/login', payload: { email: 'teacher@school.test', password: 'wrong password here' } })).statusCode).toBe(401);
      expect((await passwordLogin(one, 'deputy@school.test')).statusCode).toBe(403);
      // The school account still works.
      expect((await signIn(one, 'sub-teacher')).session).toBeDefined();

      const named = await cli(childEnv(one.t), ['user', 'break-glass', '--email', 'Deputy@school.test']);
      expect(named.code, named.stderr).toBe(0);
      expect(named.stdout).toMatch(/deputy@school.test is now the break-glass admin/);
      const deputy = await passwordLogin(one, 'deputy@school.test');
      expect(deputy.statusCode).toBe(200);
      expect((await lastAudit(one, 'login.break_glass'))?.target).toBe(`user:${deputy.json().user.id}`);
      expect((await passwordLogin(one, 'head@school.test')).statusCode).toBe(403);
      const settings = await one.app.inject({ method: 'GET', url: '/api/admin/sign-in', headers: { cookie: admin } });
      expect(settings.json().breakGlassAdmin).toMatchObject({ email: 'deputy@school.test' });
    } finally {
      const on = await one.app.inject({ method: 'PUT', url: '/api/admin/sign-in', headers: { cookie: admin }, payload: { passwordSignIn: true } });
      expect(on.statusCode).toBe(200);
    }
    expect((await passwordLogin(one, 'teacher@school.test')).statusCode).toBe(200);
    expect((await lastAudit(one, 'settings.password_sign_in'))?.detail).toEqual({ on: true });
  });

  it('the CLI refuses to name a teacher, or an account without a password, as break-glass', async () => {
    const run = (email: string) => cli(childEnv(two.t), ['user', 'break-glass', '--email', email]);
    const teacher = await run('teacher@school.test');
    expect(teacher.code).toBe(1);
    expect(teacher.stderr).toMatch(/not an admin/);
    await two.t.ctx.repos.schoolAccounts.createLinked('sso.admin@school.test', 'admin', idp.issuer, 'sub-sso-admin');
    const noPassword = await run('sso.admin@school.test');
    expect(noPassword.code).toBe(1);
    expect(noPassword.stderr).toMatch(/has no password/);
    expect(await two.t.ctx.repos.schoolAccounts.breakGlassAdmin()).toBeUndefined();
  });

  it('by PASSWORD_LOGIN=off, with auto-create: a new person gets a teacher account; only the break-glass admin uses a password', async () => {
    const fresh = await signIn(two, 'sub-new');
    expect(fresh.location).toBe('/');
    const me = await two.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: fresh.session! } });
    expect(me.json()).toMatchObject({ user: { email: 'new.starter@school.test', role: 'teacher' }, reminderAcknowledged: false });
    const created = (await two.t.ctx.repos.users.byEmail('new.starter@school.test'))!;
    expect(created.oidc_subject).toBe('sub-new');
    expect((await lastAudit(two, 'user.create'))?.detail).toMatchObject({ via: 'school_account', role: 'teacher' });
    // The new account has no password at all.
    expect((await two.app.inject({ method: 'POST', url: '/api/login', payload: { email: 'new.starter@school.test', password: '!school-account' } })).statusCode).toBe(401);

    // Auto-create does not open the door to other domains or unverified e-mails.
    idp.accounts.set('sub-stranger', { sub: 'sub-stranger', email: 'stranger@gmail.test' });
    await refusedWith(two, await signIn(two, 'sub-stranger'), 'domain_not_allowed');
    expect(await two.t.ctx.repos.users.byEmail('stranger@gmail.test')).toBeUndefined();
    idp.accounts.set('sub-unverified-new', { sub: 'sub-unverified-new', email: 'unverified.new@school.test', email_verified: false });
    await refusedWith(two, await signIn(two, 'sub-unverified-new'), 'email_not_verified');
    expect(await two.t.ctx.repos.users.byEmail('unverified.new@school.test')).toBeUndefined();

    expect((await passwordLogin(two, 'teacher@school.test')).json().error.code).toBe('password_sign_in_off');
    expect((await passwordLogin(two, 'head@school.test')).statusCode).toBe(403);
    await two.t.ctx.repos.schoolAccounts.nameBreakGlass((await two.t.ctx.repos.users.byEmail('head@school.test'))!.id);
    const cookie = await signInWithPassword(two.app, 'head@school.test', PASSWORD);
    // The admin cannot turn passwords back on over the server's configuration.
    const on = await two.app.inject({ method: 'PUT', url: '/api/admin/sign-in', headers: { cookie }, payload: { passwordSignIn: true } });
    expect(on.statusCode).toBe(409);
    expect(on.json().error.code).toBe('password_sign_in_off_by_configuration');
    expect((await two.app.inject({ method: 'GET', url: '/api/auth/methods' })).json().password).toBe(false);
  });
});
