/**
 * The e-safety lead's moments in a real browser against the real service: the incident queue
 * (a report from a board, resolved), staff accounts, a new reminder that everyone — the admin
 * too — acknowledges at their next sign-in, a filtering rule, the expiry default, the audit log with filters and its
 * CSV, and the purge: a dry run that lists what would go and the bytes it frees, then the real run
 * with its progress, then a storage check that comes back clean; and the YouTube page (yt-dlp's version, age, warnings).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemStatus } from '../../src/domain/item-state.js';
import { addStaff } from '../helpers/harness.js';
import { accessibilityProblems, launchBrowser, newWatchedContext, shot, signInThroughPage, SOON, startLiveServer, type Browser, type LiveServer, type Page } from './support.js';
import { hasMedia } from '../helpers/stored.js';

let server: LiveServer;
let browser: Browser;
let page: Page;
let watch: Awaited<ReturnType<typeof newWatchedContext>>;
let boardToken: string;
const items = { failed: '', rejected: '', reported: '', kept: '' };

const a11y: string[] = [];
const ADMIN = { email: 'head@school.test', password: 'a long memorable sentence' };

/** An item in a given state with a real file of `bytes` bytes, as the pipeline would have left it. */
async function seedItem(playlistId: string, title: string, status: ItemStatus, bytes: number): Promise<string> {
  const { items: repo } = server.t.ctx.repos;
  const row = await repo.create({
    playlistId,
    url: `https://media.example/${encodeURIComponent(title)}.mp4`,
    canonicalUrl: `https://media.example/${encodeURIComponent(title)}.mp4`,
    kind: 'video',
    title,
    startSeconds: null,
    endSeconds: null,
    submittedBy: null,
  });
  const dir = await server.t.ctx.store.workDir(row.id, 'made');
  await writeFile(path.join(dir, 'video.mp4'), Buffer.alloc(bytes, 7));
  await server.t.ctx.store.publish(row.id, 0, dir);
  await server.t.ctx.store.removeWork(row.id);
  await repo.transition(row.id, status, { media: { video: 'video.mp4' }, media_bytes: String(bytes), progress: 100, duration_seconds: 3 }, ['queued']);
  return row.id;
}

beforeAll(async () => {
  // Retention 0: whatever is purgeable goes at the next purge.
  server = await startLiveServer({ PURGE_AFTER_DAYS: '0' });
  await addStaff(server.t, ADMIN.email, 'admin', ADMIN.password);
  const { classes, playlists } = server.t.ctx.repos;
  boardToken = 'board-token-for-the-admin-test-0123456789';
  const cls = await classes.create('Year 1 — Owls', boardToken, null);
  const pl = await playlists.create(cls.id, 'Weather', 'videos');
  items.failed = await seedItem(pl.id, 'Volcanoes that never downloaded', 'failed', 40_000);
  items.rejected = await seedItem(pl.id, 'Thunder (too loud)', 'rejected', 60_000);
  items.reported = await seedItem(pl.id, 'Rainbow song', 'approved', 30_000);
  items.kept = await seedItem(pl.id, 'Snow day', 'approved', 20_000);
  browser = await launchBrowser();
  watch = await newWatchedContext(browser, server.base);
  page = await watch.context.newPage();
  page.setDefaultTimeout(15_000);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const flash = () => page.getByTestId('flash').textContent();

describe('the admin console', () => {
  it('signs in with the reminder and opens on the incident queue, where a board’s report waits', async () => {
    // A classroom board reports an item (no session: its token is its credential).
    const res = await fetch(`${server.base}/api/board/${boardToken}/items/${items.reported}/report`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.base },
      body: JSON.stringify({ note: 'A child said the song was scary' }),
    });
    expect(res.status).toBe(201);

    await page.goto(`${server.base}/admin`);
    await page.getByRole('heading', { name: 'Sign in to the admin console' }).waitFor();
    await signInThroughPage(page, ADMIN.email, ADMIN.password);
    await page.getByRole('heading', { name: 'Incidents' }).waitFor();
    const open = page.getByTestId('incident-open');
    await open.filter({ hasText: 'Rainbow song' }).waitFor();
    expect(await open.textContent()).toMatch(/reported by board Year 1 — Owls/);
    expect(await open.textContent()).toMatch(/A child said the song was scary/);
    await shot(page, 'admin-01-incidents');
    a11y.push(...(await accessibilityProblems(page, 'incidents')));

    await open.getByRole('button', { name: 'Remove…' }).click();
    await page.getByLabel('Your note for the log').fill('Checked: not suitable for Year 1');
    await page.getByRole('dialog').getByRole('button', { name: 'Remove', exact: true }).click();
    await expect.poll(flash, SOON).toMatch(/was removed and its copy deleted/);
    await expect.poll(() => open.count(), SOON).toBe(0);
    await page.getByRole('heading', { name: 'Resolved (1)' }).waitFor();
    expect((await server.t.ctx.repos.items.get(items.reported))?.status).toBe('removed');
  });

  it('adds a member of staff and disables them', async () => {
    await page.getByRole('link', { name: 'Staff' }).click();
    await page.getByRole('heading', { name: 'Staff accounts' }).waitFor();
    await page.getByLabel('Email').fill('new.teacher@school.test');
    await page.getByLabel('First password').fill('tadpoles turn into frogs in spring');
    await page.getByRole('button', { name: 'Add account' }).click();
    await expect.poll(flash, SOON).toMatch(/Account for new\.teacher@school\.test added/);
    const newRow = page.getByTestId('staff-row').filter({ hasText: 'new.teacher@school.test' });
    await newRow.waitFor();
    expect(await newRow.textContent()).toMatch(/must choose a password/);
    await newRow.getByRole('button', { name: /^Disable/ }).click();
    // Nothing happens on one click: the change asks first.
    const confirm = page.getByRole('dialog').filter({ hasText: 'Disable this account?' });
    await confirm.waitFor();
    await confirm.getByTestId('confirm-account-change').click();
    await expect.poll(() => newRow.textContent(), SOON).toMatch(/Disabled/);
    await shot(page, 'admin-02-staff');
    a11y.push(...(await accessibilityProblems(page, 'staff')));
  });

  it('asks before making someone an admin or resetting a password, and shows the temporary password once, to copy', async () => {
    const added = await page.request.post(`${server.base}/api/admin/users`, {
      headers: { 'content-type': 'application/json', origin: server.base },
      data: JSON.stringify({ email: 'second.teacher@school.test', role: 'teacher', password: 'snails leave silver trails' }),
    });
    expect(added.status()).toBe(201);
    await page.getByRole('link', { name: 'E-safety reminder' }).click();
    await page.getByRole('link', { name: 'Staff' }).click();
    const row = page.getByTestId('staff-row').filter({ hasText: 'second.teacher@school.test' });
    await row.waitFor();
    const role = async () => (await server.t.ctx.repos.users.byEmail('second.teacher@school.test'))?.role;

    // One click only asks; Cancel changes nothing.
    await row.getByRole('button', { name: /^Make admin/ }).click();
    const ask = page.getByRole('dialog').filter({ hasText: 'Make this person an admin?' });
    await ask.waitFor();
    a11y.push(...(await accessibilityProblems(page, 'make admin confirmation')));
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await ask.waitFor({ state: 'hidden' });
    expect(await role()).toBe('teacher');
    await row.getByRole('button', { name: /^Make admin/ }).click();
    await ask.getByTestId('confirm-account-change').click();
    await expect.poll(flash, SOON).toMatch(/second\.teacher@school\.test is now an admin/);
    expect(await role()).toBe('admin');

    await row.getByRole('button', { name: /^Reset password/ }).click();
    const sure = page.getByRole('dialog').filter({ hasText: 'Reset this password?' });
    await sure.waitFor();
    expect(await sure.textContent()).toMatch(/signed out at once.*temporary password once/);
    await sure.getByTestId('confirm-account-change').click();
    const shown = page.getByTestId('temporary-password');
    await shown.waitFor();
    const temporary = ((await shown.textContent()) ?? '').trim();
    expect(temporary.length).toBeGreaterThanOrEqual(12);
    await page.getByRole('button', { name: 'Copy the password' }).click();
    // Chromium on 127.0.0.1 may copy, or (no clipboard permission) the words are selected for Ctrl+C.
    await expect.poll(() => page.getByTestId('temporary-password-copied').textContent(), SOON).toMatch(/^(Copied|Selected)/);
    await shot(page, 'admin-02b-temporary-password');
    a11y.push(...(await accessibilityProblems(page, 'temporary password')));
    await page.getByRole('dialog').filter({ hasText: 'Temporary password' }).getByRole('button', { name: 'Done' }).click();
    // Shown once: gone from the page, and it works only to choose a new password.
    await expect.poll(() => page.getByTestId('temporary-password').count(), SOON).toBe(0);
    expect(await page.locator('body').textContent()).not.toContain(temporary);
    // Outside the browser, so the admin's own session cookie stays as it is.
    const login = await fetch(`${server.base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.base },
      body: JSON.stringify({ email: 'second.teacher@school.test', password: temporary }),
    });
    expect(login.status).toBe(200);
  });

  it('a new reminder is acknowledged at the next sign-in, by the admin too', async () => {
    await page.getByRole('link', { name: 'E-safety reminder' }).click();
    const box = page.getByLabel(/The reminder/);
    await expect.poll(() => box.inputValue(), SOON).not.toBe('');
    await box.fill('New for this term: check every video to the very end, and report anything odd at once.');
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    // Writing it does not lock the writer out mid-task; the next sign-in shows it.
    await expect.poll(flash, SOON).toMatch(/Saved as version 2\. Everyone acknowledges it at their next sign-in/);
    expect(await page.getByTestId('reminder-text').count()).toBe(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the admin console' }).waitFor();
    const shown = await signInThroughPage(page, ADMIN.email, ADMIN.password);
    expect(shown).toBe('New for this term: check every video to the very end, and report anything odd at once.');
    await page.getByRole('link', { name: 'E-safety reminder' }).click();
    await page.getByRole('heading', { name: 'E-safety reminder' }).waitFor();
    await expect.poll(() => page.getByRole('heading', { name: /Who has acknowledged version 2/ }).count(), SOON).toBe(1);
    a11y.push(...(await accessibilityProblems(page, 'reminder')));
    // The two screens no other step visits: how staff sign in, and the school's own words for the word screen.
    for (const [link, heading] of [
      ['Sign-in', /sign/i],
      ['Word screen', /word/i],
    ] as const) {
      await page.getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.waitForLoadState('networkidle');
      a11y.push(...(await accessibilityProblems(page, link)));
    }
  });

  it('keeps a filtering rule and an expiry default', async () => {
    await page.getByRole('link', { name: 'Filtering rules' }).click();
    await page.getByLabel('Domain', { exact: true }).fill('*.blocked.example');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await expect.poll(flash, SOON).toMatch(/Added: block \*\.blocked\.example/);
    await page.getByTestId('rule-row').filter({ hasText: '*.blocked.example' }).waitFor();
    await page.getByLabel('Link or domain').fill('https://www.blocked.example/page');
    await page.getByRole('button', { name: 'Check' }).click();
    await expect.poll(() => page.locator('.verdict').textContent(), SOON).toMatch(/refused by the rule “block \*\.blocked\.example”/);
    // The hint says *.blocked.example covers blocked.example itself, and the checker agrees.
    expect(await page.locator('#rule-hint').textContent()).toMatch(/both cover example\.com and every name under it/);
    await page.getByLabel('Link or domain').fill('blocked.example');
    await page.getByRole('button', { name: 'Check' }).click();
    await expect.poll(() => page.locator('.verdict').textContent(), SOON).toMatch(/blocked\.example.*refused by the rule “block \*\.blocked\.example”/);
    // A full link pasted where a domain is asked for gives its domain, as the hint says.
    await page.getByLabel('Domain', { exact: true }).fill('https://www.tiktok.com/@someone/video/123?lang=en');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await expect.poll(flash, SOON).toMatch(/Added: block www\.tiktok\.com\./);
    await page.getByTestId('rule-row').filter({ hasText: 'www.tiktok.com' }).waitFor();
    a11y.push(...(await accessibilityProblems(page, 'filtering')));

    await page.getByRole('link', { name: 'Expiry' }).click();
    // The settings have loaded (a choice made before they arrive would be reset by them, as for a person).
    await page.getByTestId('approval-needs-watching').waitFor();
    await page.getByLabel('It leaves the boards a number of days after approval').check();
    await page.getByLabel('Days', { exact: true }).fill('45');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(flash, SOON).toMatch(/45 days after approval/);
    const settings = await server.t.ctx.repos.settings.get();
    expect(settings.defaultExpiry).toEqual({ days: 45 });
    // The purge schedule in words, not as cron text.
    expect(await page.locator('main').textContent()).toMatch(/it runs every night at 02:30/);
    expect(await page.locator('main').textContent()).not.toMatch(/\* \* \*/);
    // Approval follows watching: on by default, and the school can turn it off (and on again).
    const watching = page.getByTestId('approval-needs-watching');
    expect(await watching.isChecked()).toBe(true);
    await watching.uncheck();
    await expect.poll(async () => (await server.t.ctx.repos.settings.get()).approvalNeedsWatching, SOON).toBe(false);
    await watching.check();
    await expect.poll(async () => (await server.t.ctx.repos.settings.get()).approvalNeedsWatching, SOON).toBe(true);
    a11y.push(...(await accessibilityProblems(page, 'expiry')));
  });

  it('filters the audit log and downloads the same entries as CSV', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Action').fill('rule.*');
    await page.getByRole('button', { name: 'Show' }).click();
    const rows = page.getByTestId('audit-row');
    await expect.poll(() => rows.count(), SOON).toBe(2);
    // In words, naming the rule's domain rather than its id.
    const blocked = rows.filter({ hasText: '*.blocked.example' });
    expect(await blocked.textContent()).toMatch(/head@school\.test.*Added a filtering rule/);
    expect(await page.locator('.audit-table').textContent()).not.toMatch(/(rule|item|user|incident):[0-9a-f]{8}/);
    const href = (await page.getByTestId('audit-csv').getAttribute('href'))!;
    expect(href).toContain('action=rule.*');
    const csv = await (await page.request.get(`${server.base}${href}`)).text();
    expect(csv.split('\n')[0]).toMatch(/^at,actor,action/);
    expect(csv).toMatch(/rule\.create/);
    expect(csv).not.toMatch(/item\.remove/);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => rows.count(), SOON).toBeGreaterThan(5);
    // No entry shows an id where a name belongs: items, accounts, rules, incidents, settings.
    expect(await page.locator('.audit-table').textContent()).not.toMatch(/(rule|item|user|incident|class|playlist):[0-9a-f]{8}/);
    await shot(page, 'admin-03-audit');
    a11y.push(...(await accessibilityProblems(page, 'audit')));
  });

  it('purges: the dry run lists what would go and the bytes freed, then the real run deletes exactly that', async () => {
    await page.getByRole('link', { name: 'Purge' }).click();
    await page.getByRole('button', { name: 'Preview the purge' }).click();
    const preview = page.getByTestId('purge-preview');
    await preview.waitFor();
    const titles = await preview.getByTestId('purge-row').locator('td:first-child').allTextContents();
    expect(titles.sort()).toEqual(['Rainbow song', 'Thunder (too loud)', 'Volcanoes that never downloaded']);
    // 40,000 + 60,000 bytes (the removed item's copy went when it was removed): 0.1 MB, in the unit people know.
    expect(await preview.textContent()).toMatch(/Would delete: 3 items, 0.1 MB would be freed/);
    // A dry run deletes nothing.
    expect(await server.t.ctx.repos.items.get(items.failed)).toBeDefined();
    await shot(page, 'admin-04-purge-preview');
    a11y.push(...(await accessibilityProblems(page, 'purge-preview')));

    await page.getByRole('button', { name: 'Delete these 3 items…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete them' }).click();
    const done = page.getByTestId('purge-done');
    await done.waitFor();
    expect(await done.textContent()).toMatch(/Deleted: 3 items, 0.1 MB freed/);
    expect(await done.locator('progress').getAttribute('value')).toBe('100');
    await shot(page, 'admin-05-purged');
    a11y.push(...(await accessibilityProblems(page, 'purged')));
    for (const key of ['failed', 'rejected', 'reported'] as const) {
      expect(await server.t.ctx.repos.items.get(items[key])).toBeUndefined();
      expect(await hasMedia(server.t, items[key]!)).toBe(false);
    }
    expect((await server.t.ctx.repos.items.get(items.kept))?.status).toBe('approved');

    await page.getByRole('button', { name: 'Check the storage' }).click();
    await expect.poll(() => page.getByTestId('storage-report').textContent(), SOON).toMatch(/All clear/);
    // The incident keeps its record after the item is gone.
    await page.getByRole('link', { name: 'Incidents' }).click();
    await expect.poll(() => page.locator('.incident').first().textContent(), SOON).toMatch(/item since purged/);
  });

  it("shows yt-dlp's version, its age and the warnings a worker recorded, on the YouTube page", async () => {
    // As a worker does after a run in which yt-dlp complained (src/sources/youtube/messages.ts).
    await server.t.ctx.repos.youtube.recordWarnings([
      { code: 'po_token', message: 'YouTube asked for a PO token, which servers in data centres often need.', detail: 'WARNING: [youtube] x: a PO token was not provided.' },
    ]);
    await page.getByRole('link', { name: 'YouTube' }).click();
    // The machine's yt-dlp is Debian's 2023 package: old, and too old for a JavaScript runtime.
    await expect.poll(() => page.getByTestId('youtube-version').textContent(), SOON).toMatch(/^\d{4}\.\d{2}\.\d{2} \(\d+ days old\)$/);
    const warnings = page.getByTestId('youtube-warnings');
    expect(await warnings.textContent()).toMatch(/PO token/);
    expect(await warnings.textContent()).toMatch(/too old to use a JavaScript runtime/);
    expect(await page.locator('.yt-facts').textContent()).toMatch(/deno 2\./);
    await page.getByRole('button', { name: 'Turn the nightly update off' }).click();
    await expect.poll(flash, SOON).toMatch(/nightly update is off/);
    expect(await server.t.ctx.repos.youtube.updaterEnabled()).toBe(false);
    await shot(page, 'admin-06-youtube');
    a11y.push(...(await accessibilityProblems(page, 'youtube')));
  });

  it('meets WCAG 2.2 AA on every console screen (axe-core)', () => {
    expect(a11y).toEqual([]);
  });

  it('loaded nothing from another host and broke no content-security rule', () => {
    expect(watch.foreign).toEqual([]);
    expect(watch.problems).toEqual([]);
  });
});

describe('a new teacher', () => {
  it('chooses their own password at first sign-in, reads the reminder, and is told the console is not theirs', async () => {
    // Added by the admin with a first password to hand over, to be replaced at first sign-in.
    const added = await page.request.post(`${server.base}/api/admin/users`, {
      headers: { 'content-type': 'application/json', origin: server.base },
      data: JSON.stringify({ email: 'plain.teacher@school.test', role: 'teacher', password: 'handed over on paper today', mustChangePassword: true }),
    });
    expect(added.status()).toBe(201);
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    p.setDefaultTimeout(15_000);
    // The page's question about sign-in methods is answered only once the teacher is typing the password, as on a
    // loaded machine now and then: the late answer must not move the caret to the email field mid-password.
    let answerMethods!: () => void;
    const methodsHeld = new Promise<void>((r) => (answerMethods = r));
    await p.route('**/api/auth/methods', async (route) => {
      await methodsHeld;
      await route.continue();
    });
    await p.goto(`${server.base}/admin`);
    await p.getByLabel('Email').fill('plain.teacher@school.test');
    await p.getByLabel('Password').focus();
    const answered = p.waitForResponse('**/api/auth/methods');
    answerMethods();
    await (await answered).finished();
    // Two frames and a task: the page has taken the answer in (and run what it does on it).
    await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0)))));
    await p.keyboard.type('handed over on paper today');
    expect(await p.getByLabel('Email').inputValue()).toBe('plain.teacher@school.test');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'Choose your own password' }).waitFor();
    await p.getByLabel('The password you signed in with').fill('handed over on paper today');
    await p.getByLabel('New password', { exact: true }).fill('ladybirds have spots');
    await p.getByLabel('New password again').fill('ladybirds have spots');
    await p.getByRole('button', { name: 'Save my new password' }).click();
    await p.getByTestId('reminder-text').waitFor();
    a11y.push(...(await accessibilityProblems(p, 'reminder after password change')));
    await p.getByLabel('I have read this reminder and will follow it.').check();
    await p.getByRole('button', { name: 'Continue' }).click();
    await p.getByRole('heading', { name: 'The admin console is for the e-safety lead' }).waitFor();
    await p.getByRole('link', { name: 'Go to the teacher desk' }).click();
    await p.getByRole('heading', { name: 'Your classes' }).waitFor();
    await ctx.close();
    expect(a11y).toEqual([]);
  });
});
