/**
 * The teacher's and the classroom's moments in a real browser (Debian's Chromium through
 * playwright-core) against the real service: fastify, Postgres, Redis/BullMQ workers, ffmpeg, and
 * a fixture server on 127.0.0.1 standing in for the web.
 *
 * One story, in order: sign in with the reminder → add a class and playlists → paste a video link
 * and watch its progress reach review → trim and approve → pair a board with a short code → the
 * board plays the video (its currentTime advances) while an unapproved one is absent → the board
 * updates by itself when items are approved or taken off → a site list shows only approved tiles, which
 * open their vetted copy inside the board → a report from the board (a 2-second hold) makes the item vanish.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorkers } from '../../src/worker/runtime.js';
import { addStaff } from '../helpers/harness.js';
import { startTestWorkers } from '../helpers/workers.js';
import { fixturesDir, makeFixture } from '../helpers/fixtures-media.js';
import { serveFile, startFixtureServer } from '../helpers/fixture-server.js';
import { articlePage, html, serveSlowly } from './fixtures.js';
import {
  accessibilityProblems,
  launchBrowser,
  newWatchedContext,
  noSideways,
  shot,
  SOON,
  startLiveServer,
  type Browser,
  type LiveServer,
  type Page,
} from './support.js';

let server: LiveServer;
let workers: RunningWorkers;
let site: Awaited<ReturnType<typeof startFixtureServer>>;
let browser: Browser;
let desk: Page;
let board: Page;
let deskWatch: Awaited<ReturnType<typeof newWatchedContext>>;
let boardWatch: Awaited<ReturnType<typeof newWatchedContext>>;

const TEACHER = { email: 'teacher@school.test', password: 'correct horse battery' };
/** WCAG 2.2 AA problems found on each main screen, checked once at the end. */
const a11y: string[] = [];
/** A video file on disk, for the upload (the way out when a site refuses downloads). */
let localVideo: string;
const LONG_TITLE = 'A very long title about frogs, toads, newts and all the other pond creatures we met on our pond trip';

beforeAll(async () => {
  server = await startLiveServer();
  workers = await startTestWorkers(server.t);
  await addStaff(server.t, TEACHER.email, 'teacher', TEACHER.password);
  const dir = await fixturesDir(server.t);
  const frogs = await makeFixture('h264', path.join(dir, 'frogs.mp4'), { seconds: 6 });
  const bees = await makeFixture('h264', path.join(dir, 'bees.mp4'), { seconds: 3 });
  localVideo = await makeFixture('h264', path.join(dir, 'Ducks-on-the-pond.mp4'), { seconds: 2 });
  const png = await makeFixture('png', path.join(dir, 'pic.png'));
  site = await startFixtureServer({
    '/Counting-with-frogs.mp4': serveSlowly(frogs, 2500),
    '/Busy-bees.mp4': serveFile(bees),
    '/Long.mp4': serveFile(bees),
    '/frogs.html': html(articlePage('All about frogs', 'Pond Facts', 'Frogs start life as tadpoles in ponds and grow legs as they get older.')),
    '/snails.html': html(articlePage('Snails up close', 'Garden Facts', 'Snails carry their shell on their back and love damp places.')),
    '/pic.png': serveFile(png, 'image/png'),
  });
  browser = await launchBrowser();
  deskWatch = await newWatchedContext(browser, server.base);
  desk = await deskWatch.context.newPage();
  desk.setDefaultTimeout(20_000);
  boardWatch = await newWatchedContext(browser, server.base, { width: 1920, height: 1080 });
  board = await boardWatch.context.newPage();
  board.setDefaultTimeout(20_000);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await workers?.close(1000);
  await site?.close();
  await server?.close();
});

const api = async <T = any>(method: string, url: string, body?: unknown): Promise<T> => {
  // The desk's own session, so the API sees exactly what the page would.
  const res = await desk.request.fetch(`${server.base}${url}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json', origin: server.base },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok()) throw new Error(`${method} ${url}: ${res.status()} ${await res.text()}`);
  return (await res.json()) as T;
};

const row = (title: string) => desk.getByTestId('item-row').filter({ hasText: title });
const boardTile = (title: string) => board.getByTestId('board-tile').filter({ hasText: title });

let ids: { classId: string; videos: string; sites: string; boardUrl: string };

describe('the teacher desk', () => {
  it('signs in and shows the school’s e-safety reminder, which must be acknowledged', async () => {
    await desk.goto(server.base);
    await desk.getByRole('heading', { name: 'Sign in to the teacher desk' }).waitFor();
    await shot(desk, 'desk-01-sign-in');
    a11y.push(...(await accessibilityProblems(desk, 'sign-in')));
    // A wrong password is refused in words.
    await desk.getByLabel('Email').fill(TEACHER.email);
    await desk.getByLabel('Password').fill('not the password at all');
    await desk.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => desk.locator('#signin-error').textContent(), SOON).toMatch(/do not match/);

    await desk.getByLabel('Password').fill(TEACHER.password);
    await desk.getByRole('button', { name: 'Sign in' }).click();
    const reminder = desk.getByTestId('reminder-text');
    await reminder.waitFor();
    expect((await reminder.textContent())?.length).toBeGreaterThan(20);
    // Continue stays disabled until the reminder is ticked as read.
    expect(await desk.getByRole('button', { name: 'Continue' }).isDisabled()).toBe(true);
    await shot(desk, 'desk-02-reminder');
    a11y.push(...(await accessibilityProblems(desk, 'reminder')));
    await desk.getByLabel('I have read this reminder and will follow it.').check();
    await desk.getByRole('button', { name: 'Continue' }).click();
    await desk.getByRole('heading', { name: 'Your classes' }).waitFor();
    // The acknowledgement is on the record.
    const acks = await server.t.ctx.db.selectFrom('reminder_acks').selectAll().execute();
    expect(acks).toHaveLength(1);
  });

  it('adds a class with a video playlist and a site list', async () => {
    await desk.getByLabel('New class').fill('Reception — Robins');
    await desk.getByRole('button', { name: 'Add class' }).click();
    const card = desk.getByTestId('class-card').filter({ hasText: 'Reception — Robins' });
    await card.waitFor();
    await card.getByLabel('New playlist').fill('Minibeasts');
    await card.getByRole('button', { name: 'Add playlist' }).click();
    await card.getByRole('link', { name: /Minibeasts/ }).waitFor();
    await card.getByLabel('New playlist').fill('Our pond sites');
    await card.getByLabel('Sites').check();
    await card.getByRole('button', { name: 'Add playlist' }).click();
    await card.getByRole('link', { name: /Our pond sites/ }).waitFor();
    const { classes } = await api<{ classes: any[] }>('GET', '/api/classes');
    const c = classes[0];
    ids = {
      classId: c.id,
      videos: c.playlists.find((p: any) => p.kind === 'videos').id,
      sites: c.playlists.find((p: any) => p.kind === 'sites').id,
      boardUrl: c.board.url,
    };
    expect(ids.boardUrl.startsWith(server.base)).toBe(true);
    await shot(desk, 'desk-03-classes');
    a11y.push(...(await accessibilityProblems(desk, 'classes')));
  });

  it('shows the class’s teachers and adds a colleague by email, who then sees the class', async () => {
    await addStaff(server.t, 'colleague@school.test', 'teacher', 'a colleague sentence of words');
    const card = desk.getByTestId('class-card').filter({ hasText: 'Reception — Robins' });
    await card.getByRole('button', { name: /^Teachers/ }).click();
    const list = desk.getByTestId('member-list');
    await expect.poll(() => list.textContent(), SOON).toContain(TEACHER.email);
    await desk.getByLabel('Add a colleague by email').fill('colleague@school.test');
    await desk.getByRole('button', { name: 'Add teacher' }).click();
    await expect.poll(() => desk.getByTestId('members-message').textContent(), SOON).toMatch(/colleague@school\.test can now see and vet Reception — Robins/);
    expect(await list.textContent()).toContain('colleague@school.test');
    a11y.push(...(await accessibilityProblems(desk, 'teachers dialog')));
    await desk.keyboard.press('Escape');
    const { members } = await api<{ members: Array<{ email: string }> }>('GET', `/api/classes/${ids.classId}`);
    expect(members.map((m) => m.email).sort()).toEqual(['colleague@school.test', TEACHER.email]);
  });

  it('takes a pasted video link and shows its progress live until it is ready to watch', async () => {
    await desk.getByRole('link', { name: /Minibeasts/ }).click();
    await desk.getByRole('heading', { name: 'Minibeasts' }).waitFor();
    // Record every status the row shows and whether a progress bar appeared, as a person would see them.
    await desk.evaluate(() => {
      const w = window as unknown as { seen: string[]; bars: number[] };
      w.seen = [];
      w.bars = [];
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('[data-testid=item-status]')) {
          const t = el.textContent ?? '';
          if (w.seen[w.seen.length - 1] !== t) w.seen.push(t);
        }
        for (const p of document.querySelectorAll<HTMLProgressElement>('[data-testid=item-row] progress')) {
          if (p.hasAttribute('value')) w.bars.push(p.value);
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await desk.getByLabel(/Paste a link/).fill(site.url('/Counting-with-frogs.mp4'));
    await desk.getByRole('button', { name: 'Add video' }).click();
    await expect.poll(() => desk.getByTestId('flash').textContent(), SOON).toMatch(/Added “Counting with frogs”/);
    await row('Counting with frogs').locator('progress').waitFor();
    await shot(desk, 'desk-04-progress');
    a11y.push(...(await accessibilityProblems(desk, 'playlist with progress')));
    await expect
      .poll(() => row('Counting with frogs').getByTestId('item-status').textContent(), { timeout: 40_000 })
      .toBe('Ready for you to watch');
    const { seen, bars } = await desk.evaluate(() => {
      const w = window as unknown as { seen: string[]; bars: number[] };
      return { seen: w.seen, bars: w.bars };
    });
    expect(seen.some((s) => /^Downloading \d+%$/.test(s))).toBe(true);
    expect(seen[seen.length - 1]).toBe('Ready for you to watch');
    expect(bars.some((v) => v > 0 && v < 100)).toBe(true);
  });

  it('shows a failure in plain words, and keeps a 100-character title inside the page', async () => {
    await desk.getByLabel(/Paste a link/).fill(site.url('/gone-away.mp4'));
    await desk.getByRole('button', { name: 'Add video' }).click();
    const failed = row('Gone away');
    await expect.poll(() => failed.getByTestId('item-status').textContent(), { timeout: 30_000 }).toBe('Could not be prepared');
    expect((await failed.getByTestId('item-error').textContent())?.length).toBeGreaterThan(10);
    await failed.getByRole('button', { name: /Remove/ }).click();
    await desk.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await failed.waitFor({ state: 'detached' });

    await desk.getByLabel(/Paste a link/).fill(site.url('/Long.mp4'));
    expect(LONG_TITLE).toHaveLength(100);
    await desk.getByLabel('Title (optional)').fill(LONG_TITLE);
    await desk.getByRole('button', { name: 'Add video' }).click();
    await expect.poll(() => row(LONG_TITLE).getByTestId('item-status').textContent(), { timeout: 30_000 }).toBe('Ready for you to watch');
    expect(await noSideways(desk)).toBe(true);
    await desk.setViewportSize({ width: 768, height: 1024 }); // an iPad held upright
    expect(await noSideways(desk)).toBe(true);
    await shot(desk, 'desk-05-playlist-ipad', { fullPage: true });
    await desk.setViewportSize({ width: 1280, height: 900 });
  });

  it('uploads a video file when a site will not let Vetted download it, and prepares it like a link', async () => {
    await desk.getByLabel('Or upload a video file').setInputFiles(localVideo);
    await desk.getByRole('button', { name: 'Upload', exact: true }).click();
    const uploaded = row('Ducks on the pond');
    await expect.poll(() => uploaded.getByTestId('item-status').textContent(), { timeout: 30_000 }).toBe('Ready for you to watch');
    // Taken out again, so the playlist is as the later steps expect.
    await uploaded.getByRole('button', { name: /Remove/ }).click();
    await desk.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await uploaded.waitFor({ state: 'detached' });
  });

  it('reviews the clean copy with its checks, trims it with the player and approves it', async () => {
    await row('Counting with frogs').getByRole('link', { name: /Watch and approve/ }).click();
    await desk.getByTestId('review-title').filter({ hasText: 'Counting with frogs' }).waitFor();
    const checks = desk.getByTestId('checks');
    await expect.poll(() => checks.textContent(), SOON).toMatch(/Length\s*0:06/);
    expect(await checks.textContent()).toMatch(/Captions\s*None/);
    expect(await checks.textContent()).toMatch(/No school rule matched/);
    const video = desk.getByTestId('review-video');
    await video.evaluate((v: HTMLVideoElement) => new Promise((r) => (v.readyState >= 1 ? r(null) : v.addEventListener('loadedmetadata', r, { once: true }))));
    await shot(desk, 'desk-06-review');
    a11y.push(...(await accessibilityProblems(desk, 'review')));

    // Scrub to 1 s, "Start here"; to 4 s, "End here"; make the clip.
    await video.evaluate((v: HTMLVideoElement) => new Promise((r) => ((v.currentTime = 1), v.addEventListener('seeked', r, { once: true }))));
    await desk.getByRole('button', { name: 'Start here' }).click();
    await video.evaluate((v: HTMLVideoElement) => new Promise((r) => ((v.currentTime = 4), v.addEventListener('seeked', r, { once: true }))));
    await desk.getByRole('button', { name: 'End here' }).click();
    expect(await desk.getByLabel('Start', { exact: true }).inputValue()).toBe('0:01');
    expect(await desk.getByLabel('End', { exact: true }).inputValue()).toBe('0:04');
    await desk.getByRole('button', { name: 'Make this clip' }).click();
    await desk.getByTestId('review-progress').waitFor();
    await expect.poll(() => desk.getByTestId('review-status').textContent(), { timeout: 40_000 }).toBe('Ready for you to watch');
    await expect.poll(() => checks.textContent(), SOON).toMatch(/Length\s*0:03/);
    expect(await desk.locator('.clip-tools').textContent()).toMatch(/This copy is 0:01–0:04 of the original/);
    const trimmed = await api('GET', `/api/items/${await itemId('Counting with frogs')}`);
    expect(trimmed).toMatchObject({ startSeconds: 1, endSeconds: 4, status: 'awaiting_review' });

    // Approval follows watching: closed until the teacher has played it (at up to twice the speed).
    const approve = desk.getByRole('button', { name: 'Approve for the board' });
    expect(await approve.isDisabled()).toBe(true);
    expect(await desk.getByTestId('watch-line').textContent()).toMatch(/Watched 0 %/);
    await video.evaluate((v: HTMLVideoElement) => {
      v.muted = true;
      v.currentTime = 0;
      v.playbackRate = 2;
      return v.play();
    });
    await expect.poll(() => desk.getByTestId('watch-line').textContent(), { timeout: 15_000 }).toMatch(/Watched\. You can approve it now/);
    expect(await desk.locator('.timeline-seen').count()).toBeGreaterThan(0);
    await approve.click();
    await expect.poll(() => desk.getByTestId('flash').textContent(), SOON).toMatch(/Approved\. It is on the Reception — Robins board now/);
    expect(await desk.getByTestId('review-status').textContent()).toBe('On the board');
  });
});

async function itemId(title: string): Promise<string> {
  const { items } = await api<{ items: Array<{ id: string; title: string }> }>('GET', `/api/playlists/${ids.videos}`);
  return items.find((i) => i.title === title)!.id;
}

describe('the classroom board', () => {
  it('pairs with a six-character code instead of the long link', async () => {
    await desk.goto(`${server.base}/#/`);
    await desk.getByRole('button', { name: 'Pair a board' }).click();
    const code = (await desk.getByTestId('pair-code').textContent())!.trim();
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
    await desk.getByRole('img', { name: /QR code/ }).evaluate((img: HTMLImageElement) =>
      img.complete ? null : new Promise((r) => img.addEventListener('load', r, { once: true })),
    );
    expect(await desk.getByRole('img', { name: /QR code/ }).evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await shot(desk, 'desk-07-pair-a-board');
    a11y.push(...(await accessibilityProblems(desk, 'pair dialog')));
    await desk.keyboard.press('Escape');

    await board.goto(`${server.base}/pair`);
    await board.getByLabel('Code').fill(code.toLowerCase().slice(0, 3) + ' ' + code.slice(3));
    await shot(board, 'board-01-pair');
    a11y.push(...(await accessibilityProblems(board, 'pair page')));
    await board.getByRole('button', { name: 'Open the board' }).click();
    await board.waitForURL(ids.boardUrl);
    // The code worked once.
    const again = await board.request.post(`${server.base}/api/pair`, { data: { code }, headers: { origin: server.base } });
    expect(again.status()).toBe(404);
  });

  it('shows only approved videos, and plays one: its currentTime advances', async () => {
    await board.getByRole('heading', { name: 'Reception — Robins' }).waitFor();
    await boardTile('Counting with frogs').waitFor();
    // Awaiting review: not on the board.
    expect(await boardTile(LONG_TITLE).count()).toBe(0);
    expect(await board.getByTestId('board-tile').count()).toBe(1);
    expect(await boardTile('Counting with frogs').textContent()).toMatch(/From 127\.0\.0\.1/);
    await shot(board, 'board-02-tiles');
    a11y.push(...(await accessibilityProblems(board, 'board tiles')));

    await boardTile('Counting with frogs').getByRole('button', { name: /^Counting with frogs/ }).click();
    const video = board.getByTestId('board-video');
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 15_000 }).toBeGreaterThan(0.5);
    // No native controls (no download or "more videos" menus), no links out for a video.
    expect(await video.evaluate((v: HTMLVideoElement) => v.controls)).toBe(false);
    expect(await board.locator('main a[href^="http"]').count()).toBe(0);
    await shot(board, 'board-03-playing');
    a11y.push(...(await accessibilityProblems(board, 'board player')));
    // Pause and play again with the big button.
    await board.getByTestId('play-pause').click();
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.paused), SOON).toBe(true);
    // Nothing after the end: jump near the end and let it finish.
    await video.evaluate((v: HTMLVideoElement) => {
      v.currentTime = Math.max(0, v.duration - 0.3);
      return v.play();
    });
    await board.getByTestId('player-end').waitFor({ timeout: 10_000 });
    expect(await video.evaluate((v: HTMLVideoElement) => v.ended)).toBe(true);
    await shot(board, 'board-04-the-end');
    await board.getByRole('button', { name: 'Back to the board' }).click();
  });

  it('updates by itself when a teacher approves an item, and stops a video taken off the board', async () => {
    const longId = await itemId(LONG_TITLE);
    await api('POST', `/api/items/${longId}/approve`, { acknowledge: ['watched_elsewhere'] });
    await boardTile(LONG_TITLE).waitFor({ timeout: 8_000 });
    expect(await noSideways(board)).toBe(true);

    // Start it playing, then the teacher takes it off the board: it stops at once.
    await boardTile(LONG_TITLE).getByRole('button', { name: new RegExp(`^${LONG_TITLE}`) }).click();
    const video = board.getByTestId('board-video');
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), SOON).toBeGreaterThan(0.2);
    await api('POST', `/api/items/${longId}/reject`, { reason: 'Wrong class' });
    await board.getByTestId('board-video').waitFor({ state: 'detached', timeout: 8_000 });
    await expect.poll(() => board.getByTestId('board-message').textContent(), SOON).toMatch(/taken off the board/);
    expect(await boardTile(LONG_TITLE).count()).toBe(0);
  });

  it('a site list shows only the approved sites, as tiles that open the vetted copy inside the board', async () => {
    await desk.goto(`${server.base}/#/playlist/${ids.sites}`);
    await desk.getByRole('heading', { name: 'Our pond sites' }).waitFor();
    for (const p of ['/frogs.html', '/snails.html']) {
      await desk.getByLabel(/Paste a link/).fill(site.url(p));
      await desk.getByRole('button', { name: 'Add web site' }).click();
      await expect.poll(() => desk.getByTestId('flash').textContent(), SOON).toMatch(/Added/);
    }
    await expect.poll(() => row('All about frogs').getByTestId('item-status').textContent(), { timeout: 30_000 }).toBe('Ready for you to read');
    await expect.poll(() => row('Snails up close').getByTestId('item-status').textContent(), { timeout: 30_000 }).toBe('Ready for you to read');

    await row('All about frogs').getByRole('link', { name: /Read and approve/ }).click();
    const frame = desk.frameLocator('[data-testid=page-copy]');
    await frame.getByRole('heading', { name: 'All about frogs' }).waitFor();
    // The clean copy: no script ran, no banner or "related" block survived.
    expect(await frame.locator('body').textContent()).not.toMatch(/tracked|We use cookies|You may also like/);
    expect(await desk.getByTestId('checks').textContent()).toMatch(/Site\s*Pond Facts/);
    await shot(desk, 'desk-08-review-site');
    a11y.push(...(await accessibilityProblems(desk, 'site review')));
    // Read through: scroll the copy to its end, and "Approve" opens.
    await desk.getByTestId('page-copy').evaluate((f: HTMLIFrameElement) => {
      const el = f.contentDocument!.scrollingElement!;
      el.scrollTop = el.scrollHeight;
    });
    await expect.poll(() => desk.getByTestId('watch-line').textContent(), SOON).toMatch(/Read to the end/);
    await desk.getByRole('button', { name: 'Approve for the board' }).click();
    await expect.poll(() => desk.getByTestId('review-status').textContent(), SOON).toBe('On the board');

    const tile = boardTile('All about frogs');
    await tile.waitFor({ timeout: 8_000 });
    expect(await boardTile('Snails up close').count()).toBe(0);
    // The tile opens the vetted copy inside the board, never the live page.
    expect(await tile.locator('a[href^="http"]').count()).toBe(0);
    expect(await tile.textContent()).toMatch(/From Pond Facts/);
    await shot(board, 'board-05-sites');
    await tile.getByRole('button', { name: /^All about frogs/ }).click();
    await board.frameLocator('[data-testid=site-copy]').getByRole('heading', { name: 'All about frogs' }).waitFor();
    await shot(board, 'board-05b-site-copy');
    await board.getByRole('button', { name: 'Back to the board' }).click();
    await tile.waitFor();
  });

  it('a report from the board takes the item off at once and tells the e-safety lead', async () => {
    const tile = boardTile('All about frogs');
    // For grown-ups: press and hold for two seconds, then confirm.
    await tile.getByTestId('hold-report').hover();
    await board.mouse.down();
    const dialog = board.getByRole('dialog');
    await dialog.waitFor({ timeout: 4000 });
    await board.mouse.up();
    await dialog.getByLabel(/What is wrong/).fill('Shows a scary picture');
    await shot(board, 'board-06-report');
    a11y.push(...(await accessibilityProblems(board, 'board report dialog')));
    await dialog.getByRole('button', { name: 'Report and hide it' }).click();
    await tile.waitFor({ state: 'detached' });
    await expect.poll(() => board.getByTestId('board-message').textContent(), SOON).toMatch(/taken off the board/);
    const frogsPage = (await api<{ items: any[] }>('GET', `/api/playlists/${ids.sites}`)).items.find((i) => i.title.startsWith('All about frogs'));
    expect(frogsPage.status).toBe('quarantined');
    // And it stays gone for the board after a reload.
    await board.reload();
    await boardTile('Counting with frogs').waitFor();
    expect(await boardTile('All about frogs').count()).toBe(0);
  });
});

describe('order and quality', () => {
  it('reorders and removes items from the keyboard', async () => {
    await desk.goto(`${server.base}/#/playlist/${ids.videos}`);
    await row('Counting with frogs').waitFor();
    const titles = () => desk.locator('[data-testid=item-row] .item-title').allTextContents();
    expect(await titles()).toEqual(['Counting with frogs', LONG_TITLE]);
    await desk.getByRole('button', { name: `Move up: ${LONG_TITLE}` }).focus();
    await desk.keyboard.press('Enter');
    await expect.poll(titles, SOON).toEqual([LONG_TITLE, 'Counting with frogs']);
    await expect.poll(() => desk.getByTestId('flash').textContent(), SOON).toMatch(/place 1 of 2/);
    const { items } = await api<{ items: any[] }>('GET', `/api/playlists/${ids.videos}`);
    expect(items.map((i) => i.title)).toEqual([LONG_TITLE, 'Counting with frogs']);

    await row(LONG_TITLE).getByRole('button', { name: /Remove/ }).click();
    await desk.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await row(LONG_TITLE).waitFor({ state: 'detached' });
    const after = await api<{ items: any[] }>('GET', `/api/playlists/${ids.videos}`);
    expect(after.items.map((i) => i.title)).toEqual(['Counting with frogs']);
  });

  it('meets WCAG 2.2 AA on every main screen (axe-core)', () => {
    expect(a11y).toEqual([]);
  });

  it('loaded nothing from another host and broke no content-security rule', () => {
    expect(deskWatch.foreign).toEqual([]);
    expect(boardWatch.foreign).toEqual([]);
    expect(deskWatch.problems).toEqual([]);
    expect(boardWatch.problems).toEqual([]);
  });
});
