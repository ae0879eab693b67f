/**
 * School-account sign-in in Chromium against a real OpenID provider (oidc-provider on another loopback port):
 * the button on the sign-in page, the provider's page, back to the desk behind the e-safety reminder; a refusal
 * shown as a sentence on the sign-in page; the admin console's sign-in methods and its switch for passwords, and
 * the break-glass admin's emergency form once passwords are off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff } from '../helpers/harness.js';
import { freeLoopbackPort, startTestIdp, type TestIdp } from '../helpers/oidc-idp.js';
import { accessibilityProblems, launchBrowser, shot, startLiveServer, type Browser, type LiveServer, type Page } from './support.js';

const SOON = { timeout: 15_000 };
const SECRET = 'vetted-e2e-secret-0123456789';
const PASSWORD = 'a long memorable sentence';

let server: LiveServer;
let idp: TestIdp;
let browser: Browser;
const problems: string[] = [];

beforeAll(async () => {
  const idpPort = await freeLoopbackPort();
  const issuer = `http://127.0.0.1:${idpPort}`;
  // Vetted discovers the provider at the first sign-in, so it may start first and tell the provider its address.
  server = await startLiveServer({
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: 'vetted',
    OIDC_CLIENT_SECRET: SECRET,
    OIDC_ALLOWED_DOMAINS: 'school.test',
    OIDC_LABEL: 'Sign in with Test School',
  });
  idp = await startTestIdp({
    port: idpPort,
    clients: [{ client_id: 'vetted', client_secret: SECRET, redirect_uris: [`${server.base}/api/auth/oidc/callback`] }],
    accounts: [
      { sub: 'sub-teacher', email: 'teacher@school.test' },
      { sub: 'sub-head', email: 'head@school.test' },
      { sub: 'sub-outsider', email: 'visitor@elsewhere.test' },
      { sub: 'sub-colleague', email: 'new.colleague@school.test' },
    ],
  });
  await addStaff(server.t, 'teacher@school.test', 'teacher', PASSWORD);
  await addStaff(server.t, 'head@school.test', 'admin', PASSWORD);
  await addStaff(server.t, 'deputy@school.test', 'admin', PASSWORD);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await idp?.close();
});

async function newPage(): Promise<Page> {
  // A plain context: the provider is another origin, and the sign-in goes there and back for real.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`);
  });
  return page;
}

/** On the sign-in page: the school-account button, then the provider's page, choosing an account. */
async function signInWithSchoolAccount(page: Page, email: string): Promise<void> {
  await page.getByRole('link', { name: 'Sign in with Test School' }).click();
  await page.getByRole('heading', { name: 'Test school account' }).waitFor(SOON);
  await page.getByLabel('Account').selectOption({ label: email });
  await page.getByRole('button', { name: 'Sign in as this account' }).click();
}

async function acknowledgeReminder(page: Page): Promise<void> {
  await page.getByTestId('reminder-text').waitFor(SOON);
  await page.getByLabel('I have read this reminder and will follow it.').check();
  await page.getByRole('button', { name: 'Continue' }).click();
}

describe('school-account sign-in in the browser', () => {
  it('a teacher clicks the button, signs in at the provider and lands on the desk behind the reminder', async () => {
    const page = await newPage();
    await page.goto(server.base);
    await page.getByRole('heading', { name: 'Sign in to the teacher desk' }).waitFor(SOON);
    await page.getByRole('link', { name: 'Sign in with Test School' }).waitFor(SOON);
    // Passwords are still on: the form is there too.
    await expect(page.getByLabel('Password').isVisible()).resolves.toBe(true);
    expect(await accessibilityProblems(page, 'sign-in with a school account')).toEqual([]);
    await shot(page, 'school-sign-in-page');

    await signInWithSchoolAccount(page, 'teacher@school.test');
    // Back at Vetted: the reminder comes first, as after any sign-in.
    await page.getByTestId('reminder-text').waitFor(SOON);
    expect(new URL(page.url()).origin).toBe(server.base);
    await shot(page, 'school-sign-in-reminder');
    await acknowledgeReminder(page);
    await page.getByRole('heading', { name: 'Your classes' }).waitFor(SOON);
    await page.getByText('Signed in as teacher@school.test').waitFor(SOON);
    const login = await server.t.ctx.db.selectFrom('audit_log').select('detail').where('action', '=', 'login').orderBy('id', 'desc').executeTakeFirst();
    expect(login?.detail).toMatchObject({ method: 'school_account' });
    await page.context().close();
  });

  it('a refusal comes back to the sign-in page as a sentence, and leaves the address bar', async () => {
    const page = await newPage();
    await page.goto(server.base);
    await signInWithSchoolAccount(page, 'visitor@elsewhere.test');
    const refusal = page.getByTestId('signin-refusal');
    await refusal.waitFor(SOON);
    expect(await refusal.textContent()).toMatch(/not from a domain this school lets sign in/);
    expect(new URL(page.url()).search).toBe('');
    expect(await accessibilityProblems(page, 'sign-in refusal')).toEqual([]);
    await shot(page, 'school-sign-in-refused');
    await page.context().close();
  });

  it('the admin sees sign-in methods, turns passwords off; then only the break-glass admin’s emergency form works', async () => {
    const page = await newPage();
    await page.goto(`${server.base}/admin`);
    await page.getByRole('heading', { name: 'Sign in to the admin console' }).waitFor(SOON);
    await signInWithSchoolAccount(page, 'head@school.test');
    await acknowledgeReminder(page);
    // Started at the console, back at the console.
    await page.getByRole('navigation', { name: 'Console sections' }).waitFor(SOON);
    expect(new URL(page.url()).pathname).toBe('/admin');

    await page.goto(`${server.base}/admin#/staff`);
    const teacherRow = page.getByTestId('staff-row').filter({ hasText: 'teacher@school.test' });
    await expect(teacherRow.getByTestId('staff-sign-in').textContent({ timeout: 15_000 })).resolves.toBe('Password · School account');
    const deputyRow = page.getByTestId('staff-row').filter({ hasText: 'deputy@school.test' });
    await expect(deputyRow.getByTestId('staff-sign-in').textContent()).resolves.toBe('Password');

    // A new colleague, added without a Vetted password: they will sign in with their school account.
    await page.getByLabel('Email').fill('new.colleague@school.test');
    await expect(page.getByLabel('First password').count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.getByText('Account for new.colleague@school.test added. They sign in with their school account.').waitFor(SOON);
    const colleagueRow = page.getByTestId('staff-row').filter({ hasText: 'new.colleague@school.test' });
    await expect(colleagueRow.getByTestId('staff-sign-in').textContent()).resolves.toBe('None yet');
    const colleague = await newPage();
    await colleague.goto(server.base);
    await signInWithSchoolAccount(colleague, 'new.colleague@school.test');
    await acknowledgeReminder(colleague);
    await colleague.getByText('Signed in as new.colleague@school.test').waitFor(SOON);
    await colleague.context().close();

    await page.goto(`${server.base}/admin#/sign-in`);
    await page.getByTestId('school-account-settings').waitFor(SOON);
    expect(await page.getByTestId('school-account-settings').textContent()).toContain(`${server.base}/api/auth/oidc/callback`);
    await page.getByRole('button', { name: 'Check the connection to the provider' }).click();
    await page.getByText(`Vetted reached ${idp.issuer} and read its settings`).waitFor(SOON);
    await page.getByRole('button', { name: 'Turn password sign-in off' }).click();
    await page.getByText('Password sign-in is off for this school.').waitFor(SOON);
    expect(await accessibilityProblems(page, 'admin sign-in section')).toEqual([]);
    await shot(page, 'school-sign-in-admin');

    // The deputy is named break-glass admin on the server (the CLI's job; its own test runs the real CLI).
    await server.t.ctx.repos.schoolAccounts.nameBreakGlass((await server.t.ctx.repos.users.byEmail('deputy@school.test'))!.id);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the admin console' }).waitFor(SOON);
    await page.getByRole('link', { name: 'Sign in with Test School' }).waitFor(SOON);
    expect(await page.getByLabel('Password').isVisible()).toBe(false);
    const emergency = page.getByText('Emergency sign-in for the school’s break-glass admin');
    await emergency.click();
    // A teacher's password no longer works…
    await page.getByLabel('Email').fill('teacher@school.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('This school signs in with school accounts, not passwords.').waitFor(SOON);
    await shot(page, 'school-sign-in-break-glass');
    // …the break-glass admin's does.
    await page.getByLabel('Email').fill('deputy@school.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await acknowledgeReminder(page);
    await page.getByText('Signed in as deputy@school.test').waitFor(SOON);
    await page.context().close();
    expect(problems).toEqual([]);
  });
});
