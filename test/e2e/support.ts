/**
 * Shared set-up for the browser tests: a free port (so PUBLIC_URL — board links, QR codes, the
 * cross-site guard — names the real address), the real server listening on it, Debian's Chromium
 * driven by playwright-core, and screenshots under test/artifacts/.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { WEB_DIST } from '../../src/http/routes-web.js';
import { buildTestApp, createTestEnv, type TestApp, type TestEnv } from '../helpers/harness.js';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { freePort } from '../helpers/free-port.js';
export { freePort } from '../helpers/free-port.js';

export const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../artifacts');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** How long a page may take to show what a person would wait for (generous: CI shares two cores). */
export const SOON = { timeout: 10_000, interval: 100 };

export interface LiveServer {
  t: TestEnv;
  app: TestApp;
  base: string;
  close(): Promise<void>;
}

/** The whole service on 127.0.0.1, as a school would run it, with its own database and data folder. */
export async function startLiveServer(env: Record<string, string> = {}): Promise<LiveServer> {
  if (!existsSync(path.join(WEB_DIST, 'index.html'))) {
    throw new Error('web/dist is missing: run "npm run build:web" (npm test does it first)');
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t = await createTestEnv({ PUBLIC_URL: base, JOB_BACKOFF_MS: '100', ...env });
  const app = await buildTestApp(t);
  await app.listen({ host: '127.0.0.1', port });
  return {
    t,
    app,
    base,
    async close() {
      await app.close();
      await t.cleanup();
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * A browser context that records anything loaded from another host and any CSP violation or page
 * error, so a test can prove the pages load nothing from third parties and break no policy.
 */
export async function newWatchedContext(browser: Browser, base: string, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'Europe/London' });
  const foreign: string[] = [];
  const problems: string[] = [];
  const own = new URL(base).origin;
  context.on('request', (r) => {
    const u = r.url();
    if (/^(data|blob|about):/.test(u)) return;
    if (new URL(u).origin !== own) foreign.push(u);
  });
  // A site the teacher chose to open live opens in a new tab: that is the point of it, not a page load of ours.
  await context.route((url) => url.origin !== own, (route) => route.fulfill({ status: 204, body: '' }));
  const watch = (page: Page) => {
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`);
    });
  };
  context.on('page', watch);
  return { context, foreign, problems, watch };
}

export async function shot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: opts.fullPage ?? false });
}

/** Signs in through the page and acknowledges the reminder; returns the reminder text shown. */
export async function signInThroughPage(page: Page, email: string, password: string): Promise<string> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const reminder = page.getByTestId('reminder-text');
  await reminder.waitFor();
  const text = (await reminder.textContent()) ?? '';
  await page.getByLabel('I have read this reminder and will follow it.').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  // Signed in only once the acknowledgement is recorded: a page opened before then would be refused.
  await reminder.waitFor({ state: 'hidden' });
  return text;
}

/** The page has no horizontal scroll: nothing pokes out (long titles wrap). */
export async function noSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * WCAG 2.2 A/AA problems axe-core finds on the page as it is now (contrast, labels, names, roles,
 * landmarks). Run through DevTools, so the page's own CSP (no inline script) stays as it is.
 */
export async function accessibilityProblems(page: Page, screen: string): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run: (c: Document, o: unknown) => Promise<{ violations: Array<{ id: string; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(' | ')}`);
  }, WCAG_TAGS);
  return violations.map((v) => `[${screen}] ${v}`);
}

export type { Browser, BrowserContext, Page };
