/**
 * Issue 15 in a real browser (Debian's Chromium through playwright-core) against the real service:
 * what the class sees is what the teacher vetted.
 *
 * The board, at 1080p and on an upright iPad: a site opens its vetted copy inside the board with "Back to
 * the board"; its links lead only to other approved items, others say "ask your teacher"; a site the
 * teacher chose to open live (allow-listed) is the only live link; reporting needs a 2-second hold and a
 * confirmation; the playing video fills at least 85 % of the screen; "Full screen" fills the screen with
 * the video; a long title adds no scrollbar. The desk, at desk and iPad sizes: the report arrives at once
 * (banner and count); the "To review" queue with next; "Approve" on the first screen of an upright iPad;
 * touch targets of at least 44 px; focus on the main heading after every navigation. Axe on every screen.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemRow } from '../../src/db/schema.js';
import { addStaff, makeClassAndPlaylist, signIn } from '../helpers/harness.js';
import { fixturesDir, makeFixture } from '../helpers/fixtures-media.js';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { articlePage, html } from './fixtures.js';
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
  signInThroughPage,
  type Page,
} from './support.js';

const BOARD_1080 = { width: 1920, height: 1080 };
const IPAD_UPRIGHT = { width: 768, height: 1024 };
const DESK = { width: 1280, height: 800 };
/** Every journey is walked at the three screens a school has: a desk, an iPad held upright, a 1080p board. */
const SIZES = [
  ['desk', DESK],
  ['upright iPad', IPAD_UPRIGHT],
  ['1080p board', BOARD_1080],
] as const;
const LONG_TITLE =
  'A very long title about frogs, toads, newts and all the other pond creatures that we met on our pond trip in the summer term';

let server: LiveServer;
let browser: Browser;
let teacher: string;
let admin: string;
let videos: Awaited<ReturnType<typeof makeClassAndPlaylist>>;
let sitesPlaylist: string;
let fixtures: string;
const a11y: string[] = [];
const items: Record<string, ItemRow> = {};

/** An item as the pipeline leaves it, with real files: a playable video, or a page copy. */
async function vetted(
  playlistId: string,
  opts: { title: string; url: string; kind: 'video' | 'webpage'; files: Record<string, string | Buffer>; status?: 'approved' | 'awaiting_review'; seconds?: number },
): Promise<ItemRow> {
  const { t } = server;
  const created = await t.ctx.repos.items.create({
    playlistId,
    url: opts.url,
    canonicalUrl: opts.url,
    kind: opts.kind,
    title: opts.title,
    startSeconds: null,
    endSeconds: null,
    submittedBy: null,
  });
  const dir = await t.ctx.store.workDir(created.id, 'test');
  for (const [name, body] of Object.entries(opts.files)) await writeFile(path.join(dir, name), body);
  await t.ctx.store.publish(created.id, created.media_generation, dir);
  await t.ctx.store.removeWork(created.id);
  const media = opts.kind === 'video' ? { video: 'video.mp4', poster: 'poster.jpg', thumbnail: 'poster.jpg' } : { page: 'page.html' };
  await t.ctx.db
    .updateTable('items')
    .set({ status: opts.status ?? 'approved', progress: 100, media: JSON.stringify(media), duration_seconds: opts.seconds ?? null })
    .where('id', '=', created.id)
    .execute();
  return (await t.ctx.repos.items.get(created.id))!;
}

const copyOf = (title: string, body: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body><article><h1>${title}</h1>${body}${'<p>Frogs start life as tadpoles in ponds and grow legs as they get older.</p>'.repeat(40)}</article></body></html>`;

/** Ends this person's sessions at the moment the page sends the request (method, path) — once. */
async function endSessionOn(page: Page, userId: string, method: string, path: RegExp): Promise<void> {
  let ended = false;
  await page.route(
    (url) => path.test(url.pathname),
    async (route) => {
      if (!ended && route.request().method() === method) {
        ended = true;
        await server.t.ctx.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
      }
      await route.continue();
    },
  );
}

async function staffPage(cookie: string, viewport: { width: number; height: number }) {
  const watched = await newWatchedContext(browser, server.base, viewport);
  const value = cookie.split('=')[1]!;
  await watched.context.addCookies([{ name: 'vetted_session', value, url: server.base }]);
  const page = await watched.context.newPage();
  page.setDefaultTimeout(15_000);
  return { page, watched };
}

async function boardPage(viewport: { width: number; height: number }) {
  const watched = await newWatchedContext(browser, server.base, viewport);
  const page = await watched.context.newPage();
  page.setDefaultTimeout(15_000);
  return { page, watched };
}

beforeAll(async () => {
  server = await startLiveServer();
  await addStaff(server.t, 'teacher@school.test');
  await addStaff(server.t, 'head@school.test', 'admin');
  teacher = await signIn(server.app, 'teacher@school.test');
  admin = await signIn(server.app, 'head@school.test');
  videos = await makeClassAndPlaylist(server.app, teacher, 'videos');
  const sl = await server.app.inject({ method: 'POST', url: '/api/playlists', headers: { cookie: teacher }, payload: { classId: videos.classId, name: 'Pond sites', kind: 'sites' } });
  sitesPlaylist = sl.json().id;

  fixtures = await fixturesDir(server.t);
  const video = await readFile(await makeFixture('h264', path.join(fixtures, 'frogs.mp4'), { seconds: 4, width: 640, height: 360 }));
  const poster = await readFile(await makeFixture('png', path.join(fixtures, 'poster.png')));

  items.long = await vetted(videos.playlistId, { title: LONG_TITLE, url: 'https://videos.example.org/pond.mp4', kind: 'video', files: { 'video.mp4': video, 'poster.jpg': poster }, seconds: 4 });
  items.waiting = await vetted(videos.playlistId, { title: 'Busy bees', url: 'https://videos.example.org/bees.mp4', kind: 'video', files: { 'video.mp4': video, 'poster.jpg': poster }, status: 'awaiting_review', seconds: 4 });
  items.waiting2 = await vetted(videos.playlistId, { title: 'Snail trails', url: 'https://videos.example.org/snails.mp4', kind: 'video', files: { 'video.mp4': video, 'poster.jpg': poster }, status: 'awaiting_review', seconds: 4 });
  items.frogs = await vetted(sitesPlaylist, {
    title: 'All about frogs',
    url: 'https://pond.example.org/frogs',
    kind: 'webpage',
    files: {
      'page.html': copyOf(
        'All about frogs',
        '<p>Read next: <a href="https://www.pond.example.org/snails/">Snails up close</a>, or <a href="https://toys.example.com/buy">Buy frog toys</a>.</p>',
      ),
    },
  });
  items.snails = await vetted(sitesPlaylist, { title: 'Snails up close', url: 'https://pond.example.org/snails', kind: 'webpage', files: { 'page.html': copyOf('Snails up close', '<p>Snails carry their shell.</p>') } });
  // The snails page was approved by the teacher: the incident view names them.
  const teacherRow = await server.t.ctx.repos.users.byEmail('teacher@school.test');
  await server.t.ctx.db.updateTable('items').set({ reviewed_by: teacherRow!.id, reviewed_at: new Date() }).where('id', '=', items.snails.id).execute();
  items.game = await vetted(sitesPlaylist, { title: 'Counting game', url: 'https://games.example.org/count', kind: 'webpage', files: { 'page.html': copyOf('Counting game', '') } });
  // The game must be live: the e-safety lead allows the domain, then the teacher chooses "open the live site".
  const rule = await server.app.inject({ method: 'POST', url: '/api/admin/domain-rules', headers: { cookie: admin }, payload: { pattern: 'games.example.org', action: 'allow' } });
  expect(rule.statusCode).toBe(201);
  const live = await server.app.inject({ method: 'PATCH', url: `/api/items/${items.game.id}`, headers: { cookie: teacher }, payload: { openLive: true } });
  expect(live.statusCode).toBe(200);

  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const tile = (page: Page, title: string) => page.getByTestId('board-tile').filter({ hasText: title });

/** The share of the screen the video's picture covers (object-fit: contain inside the element). */
async function pictureShare(page: Page): Promise<number> {
  return page.getByTestId('board-video').evaluate((v: HTMLVideoElement) => {
    const r = v.getBoundingClientRect();
    const scale = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
    return (v.videoWidth * scale * v.videoHeight * scale) / (window.innerWidth * window.innerHeight);
  });
}

/** How much of the screen's width and height the picture covers. */
async function pictureFit(page: Page): Promise<{ w: number; h: number }> {
  return page.getByTestId('board-video').evaluate((v: HTMLVideoElement) => {
    const r = v.getBoundingClientRect();
    const scale = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
    return { w: (v.videoWidth * scale) / window.innerWidth, h: (v.videoHeight * scale) / window.innerHeight };
  });
}

describe('the board shows what was vetted', () => {
  for (const [size, viewport] of SIZES) {
    it(`opens a site's vetted copy inside the board, with links only to approved items (${size})`, async () => {
      const { page, watched } = await boardPage(viewport);
      await page.goto(`${server.base}/board/${videos.boardToken}`);
      await tile(page, 'All about frogs').waitFor();
      a11y.push(...(await accessibilityProblems(page, `board tiles, ${size}`)));
      expect(await noSideways(page)).toBe(true);

      await tile(page, 'All about frogs').getByRole('button', { name: /^All about frogs/ }).click();
      const back = page.getByRole('button', { name: 'Back to the board' });
      await back.waitFor();
      const frame = page.frameLocator('[data-testid=site-copy]');
      await frame.getByRole('heading', { name: 'All about frogs' }).waitFor();
      // Same origin, no script: the copy the teacher vetted, not the live page.
      const src = await page.getByTestId('site-copy').getAttribute('src');
      expect(src).toMatch(new RegExp(`^/media/board/${videos.boardToken}/${items.frogs!.id}/`));
      expect(await page.getByTestId('site-copy').getAttribute('sandbox')).toBe('allow-same-origin');
      await shot(page, `board-site-copy-${viewport.width}`);
      a11y.push(...(await accessibilityProblems(page, `board site copy, ${size}`)));

      // "Back to the board" stays on screen while the page scrolls.
      await frame.locator('body').evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      const box = (await back.boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
      expect(box.height).toBeGreaterThanOrEqual(64);

      // A link to a page the teacher has not approved does nothing but say so.
      await frame.getByRole('link', { name: 'Buy frog toys' }).click();
      await expect.poll(() => page.getByTestId('ask-teacher').textContent(), SOON).toMatch(/Ask your teacher/);
      expect(page.frames().map((f) => f.url()).some((u) => u.includes('toys.example.com'))).toBe(false);

      // A link to another approved page of the class opens that page's copy, here.
      await frame.getByRole('link', { name: 'Snails up close' }).click();
      await page.frameLocator('[data-testid=site-copy]').getByRole('heading', { name: 'Snails up close' }).waitFor();
      expect(await page.locator('.site-title').textContent()).toBe('Snails up close');

      await page.getByRole('button', { name: 'Back to the board' }).click();
      await tile(page, 'Counting game').waitFor();
      // Only the site the teacher chose to open live (and the school allows) is a link out.
      const game = tile(page, 'Counting game').getByRole('link', { name: /Counting game/ });
      expect(await game.getAttribute('href')).toBe('https://games.example.org/count');
      expect(await game.getAttribute('target')).toBe('_blank');
      expect(await tile(page, 'All about frogs').locator('a[href^="http"]').count()).toBe(0);
      expect(await page.locator('main a[href^="http"]').count()).toBe(1);
      expect(watched.problems).toEqual([]);
      await watched.context.close();
    });
  }

  for (const [size, viewport] of SIZES) {
    it(`plays a video as large as the screen allows, "Full screen" fills it with the video, a long title adds no scrollbar (${size})`, async () => {
      const { page, watched } = await boardPage(viewport);
      await page.goto(`${server.base}/board/${videos.boardToken}`);
      await tile(page, 'All about frogs').waitFor();
      const fullScreenElement = () => page.evaluate(() => (document.fullscreenElement ? (document.fullscreenElement.getAttribute('data-testid') ?? document.fullscreenElement.tagName) : null));
      // With the tiles showing, the button says what it does: the whole board fills the screen.
      await page.getByRole('button', { name: 'Board full screen' }).click();
      await expect.poll(fullScreenElement, SOON).toBe('HTML');
      await expect.poll(() => page.getByRole('button', { name: 'Leave full screen' }).count(), SOON).toBe(1);

      await tile(page, LONG_TITLE).getByRole('button', { name: new RegExp(`^${LONG_TITLE.slice(0, 30)}`) }).click();
      const video = page.getByTestId('board-video');
      await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 15_000 }).toBeGreaterThan(0.3);
      const share = await pictureShare(page);
      if (viewport === BOARD_1080) expect(share).toBeGreaterThanOrEqual(0.85);
      // Elsewhere the picture is as large as its shape allows: the full width, or most of the height.
      const picture = await pictureFit(page);
      expect(picture.w >= 0.95 || picture.h >= 0.8, `picture ${JSON.stringify(picture)}`).toBe(true);
      const noScroll = () => page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight);
      expect(await noScroll()).toBe(true);
      expect(await noSideways(page)).toBe(true);
      // Every control is on the screen and big enough for a finger.
      for (const control of await page.locator('.player-controls button, .player-controls input').all()) {
        const box = (await control.boundingBox())!;
        expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
        expect(box.height).toBeGreaterThanOrEqual(44);
      }
      await page.getByTestId('play-pause').click();
      if (viewport === BOARD_1080) await shot(page, 'board-video-1080p');
      // Paused: the long title shows over the picture, and still no scrollbar.
      await page.locator('.player-caption').waitFor();
      expect(await noScroll()).toBe(true);
      a11y.push(...(await accessibilityProblems(page, `board player, ${size}`)));

      // The video's own "Full screen": the video alone fills the screen; leaving it returns to the board's.
      await page.getByTestId('video-full-screen').click();
      await expect.poll(fullScreenElement, SOON).toBe('player-stage');
      const full = await pictureFit(page);
      expect(full.w >= 0.99 || full.h >= 0.99, `picture ${JSON.stringify(full)}`).toBe(true);
      await page.getByRole('button', { name: 'Leave full screen' }).click();
      await expect.poll(fullScreenElement, SOON).toBe('HTML');
      await page.getByRole('button', { name: /Back/ }).first().click();
      await tile(page, 'All about frogs').waitFor();
      // The board is still full screen after the video; the teacher leaves it from the bar.
      expect(await fullScreenElement()).toBe('HTML');
      await page.getByRole('button', { name: 'Leave full screen' }).click();
      await expect.poll(fullScreenElement, SOON).toBeNull();
      expect(watched.problems).toEqual([]);
      await watched.context.close();
    });
  }

  for (const [size, viewport] of SIZES) {
    it(`the desk opens a live site only for the school's allow list, and says what a live page means (${size})`, async () => {
      const { page: desk, watched } = await staffPage(teacher, viewport);
      const live = () => desk.getByRole('checkbox', { name: 'Open the live site on the board instead of this copy' });
      // Not on the allow list: refused in words, the copy stays what the board shows.
      await desk.goto(`${server.base}/#/item/${items.frogs!.id}`);
      await desk.getByTestId('review-title').filter({ hasText: 'All about frogs' }).waitFor();
      expect(await desk.locator('.live-choice').textContent()).toMatch(/Live pages change after you vet them and may carry adverts/);
      await live().check({ force: true }).catch(() => undefined);
      await expect.poll(() => desk.getByTestId('flash').textContent(), SOON).toMatch(/pond\.example\.org is not on the school's allow list, so the board can only show the copy you vetted/);
      expect(await live().isChecked()).toBe(false);
      expect((await server.t.ctx.repos.items.get(items.frogs!.id))!.open_live).toBe(false);
      expect(await noSideways(desk)).toBe(true);
      a11y.push(...(await accessibilityProblems(desk, `live site refused, ${size}`)));
      // Allowed (the game): the teacher can turn it off and on again.
      await desk.goto(`${server.base}/#/item/${items.game!.id}`);
      await desk.getByTestId('review-title').filter({ hasText: 'Counting game' }).waitFor();
      expect(await live().isChecked()).toBe(true);
      await live().uncheck({ force: true }).catch(() => undefined);
      await expect.poll(() => desk.getByTestId('flash').textContent(), SOON).toMatch(/The board shows the copy you vetted/);
      expect((await server.t.ctx.repos.items.get(items.game!.id))!.open_live).toBe(false);
      await live().check({ force: true }).catch(() => undefined);
      await expect.poll(() => desk.getByTestId('flash').textContent(), SOON).toMatch(/The board opens the live site for this one/);
      expect((await server.t.ctx.repos.items.get(items.game!.id))!.open_live).toBe(true);
      expect(watched.problems).toEqual([]);
      await watched.context.close();
    });
  }
});

describe('reporting is for grown-ups, and reaches the teacher at once', () => {
  it('a tap does nothing and a 2-second hold opens the confirmation, on a tile and in the player (desk and upright iPad)', async () => {
    for (const viewport of [DESK, IPAD_UPRIGHT]) {
      const { page, watched } = await boardPage(viewport);
      await page.goto(`${server.base}/board/${videos.boardToken}`);
      const report = tile(page, 'All about frogs').getByTestId('hold-report');
      await report.click();
      expect(await page.locator('dialog[open]').count()).toBe(0);
      await expect.poll(() => page.locator('.hold-hint').first().textContent(), SOON).toMatch(/hold for 2 seconds/);
      await report.hover();
      await page.mouse.down();
      await page.locator('dialog[open]').waitFor({ timeout: 4000 });
      await page.mouse.up();
      a11y.push(...(await accessibilityProblems(page, `board report confirmation, ${viewport.width}×${viewport.height}`)));
      await page.locator('dialog[open]').getByRole('button', { name: /Cancel|Keep it/ }).click();
      await page.locator('dialog[open]').waitFor({ state: 'detached' });
      // In the player too: the same hold, and the video stays until a grown-up confirms.
      await tile(page, LONG_TITLE).getByRole('button', { name: new RegExp(`^${LONG_TITLE.slice(0, 30)}`) }).click();
      const inPlayer = page.locator('.player-controls').getByTestId('hold-report');
      await inPlayer.click();
      expect(await page.locator('dialog[open]').count()).toBe(0);
      await inPlayer.hover();
      await page.mouse.down();
      await page.locator('dialog[open]').waitFor({ timeout: 4000 });
      await page.mouse.up();
      await page.locator('dialog[open]').getByRole('button', { name: /Cancel|Keep it/ }).click();
      expect(await page.getByTestId('board-video').count()).toBe(1);
      expect(watched.problems).toEqual([]);
      await watched.context.close();
    }
    expect((await server.t.ctx.repos.items.get(items.frogs!.id))!.status).toBe('approved');
  });

  it('a 2-second hold and a confirmation report it from a 1080p board; every desk of the class shows it live', async () => {
    const desks = [];
    for (const [size, viewport] of SIZES) {
      const { page: desk, watched: deskWatch } = await staffPage(teacher, viewport);
      await desk.goto(`${server.base}/#/`);
      await desk.getByRole('heading', { name: 'Your classes' }).waitFor();
      await expect.poll(() => desk.getByTestId('class-counts').first().textContent(), SOON).toMatch(/2 to review/);
      expect(await desk.getByTestId('report-banner').count()).toBe(0);
      desks.push({ size, viewport, desk, deskWatch });
    }

    const { page, watched } = await boardPage(BOARD_1080);
    await page.goto(`${server.base}/board/${videos.boardToken}`);
    const report = tile(page, 'Snails up close').getByTestId('hold-report');
    await report.waitFor();
    // A tap (even a double tap): nothing but a hint for grown-ups.
    await report.click();
    await report.dblclick();
    expect(await page.getByRole('dialog').count()).toBe(0);
    await expect.poll(() => page.locator('.hold-hint').first().textContent(), SOON).toMatch(/hold for 2 seconds/);
    // Let go after one second: still nothing.
    await report.hover();
    await page.mouse.down();
    await page.waitForTimeout(1000);
    await page.mouse.up();
    await page.waitForTimeout(1300);
    expect(await page.locator('dialog[open]').count()).toBe(0);

    // Held for two seconds: the confirmation opens; only "Report and hide it" reports.
    await report.hover();
    await page.mouse.down();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor({ timeout: 4000 });
    await page.mouse.up();
    await dialog.getByLabel(/What is wrong/).fill('A scary picture halfway down');
    await shot(page, 'board-report-confirm');
    a11y.push(...(await accessibilityProblems(page, 'board report confirmation, 1080p')));
    await dialog.getByRole('button', { name: 'Report and hide it' }).click();
    await tile(page, 'Snails up close').waitFor({ state: 'detached' });

    // The class's teachers see it at once, on every desk: a banner and the count, without reloading.
    for (const { size, viewport, desk, deskWatch } of desks) {
      const banner = desk.getByTestId('report-banner');
      await banner.waitFor({ timeout: 10_000 });
      expect(await banner.textContent()).toMatch(/Snails up close.*reported from the class board: “A scary picture halfway down”/);
      await expect.poll(() => desk.getByTestId('class-counts').first().textContent(), SOON).toMatch(/1 reported/);
      expect(await noSideways(desk)).toBe(true);
      if (viewport === DESK) await shot(desk, 'desk-report-banner');
      a11y.push(...(await accessibilityProblems(desk, `desk with report banner, ${size}`)));
      await banner.getByRole('button', { name: /I have seen it/ }).click();
      await banner.waitFor({ state: 'detached' });
      expect(deskWatch.problems).toEqual([]);
      await deskWatch.context.close();
    }
    expect(watched.problems).toEqual([]);
    await watched.context.close();
  });
});

describe('the e-safety lead decides on a report from the item itself', () => {
  it('"Look at it" shows the note, the reporter and the approver, with Remove and Reinstate', async () => {
    const { page: desk, watched } = await staffPage(admin, DESK);
    await desk.goto(`${server.base}/#/item/${items.snails!.id}`);
    const panel = desk.getByTestId('incident-panel');
    await panel.waitFor();
    const text = (await panel.textContent()) ?? '';
    expect(text).toMatch(/A scary picture halfway down/);
    expect(text).toMatch(/Reported bythe class board/);
    expect(text).toMatch(/Approved byteacher@school\.test/);
    await shot(desk, 'desk-incident-view');
    a11y.push(...(await accessibilityProblems(desk, 'incident view')));
    // A decision needs a note for the log.
    await panel.getByRole('button', { name: 'Reinstate it' }).click();
    await expect.poll(() => panel.getByRole('alert').textContent(), SOON).toMatch(/Write a short note/);
    await panel.getByLabel('Your note for the incident log').fill('Checked: the picture is a drawing of a snail. Fine.');
    await panel.getByRole('button', { name: 'Reinstate it' }).click();
    await expect.poll(() => desk.getByTestId('review-status').textContent(), SOON).toBe('On the board');
    await panel.waitFor({ state: 'detached' });
    expect(watched.problems).toEqual([]);
    await watched.context.close();
  });
});

describe('the desk puts attention where it is needed', () => {
  it('the To review queue leads from one item to the next; after approving, "Next to review" (desk size)', async () => {
    const { page: desk, watched } = await staffPage(teacher, DESK);
    await desk.goto(`${server.base}/#/review`);
    await desk.getByRole('heading', { name: 'To review' }).waitFor();
    // Focus moves to the main heading on navigation.
    await expect.poll(() => desk.evaluate(() => document.activeElement?.textContent), SOON).toBe('To review');
    const queue = desk.getByTestId('review-queue');
    await expect.poll(() => queue.locator('li').count(), SOON).toBe(2);
    a11y.push(...(await accessibilityProblems(desk, 'to review queue')));
    await queue.getByRole('link', { name: /Busy bees/ }).click();
    await desk.getByTestId('review-title').filter({ hasText: 'Busy bees' }).waitFor();
    await expect.poll(() => desk.evaluate(() => document.activeElement?.getAttribute('data-testid')), SOON).toBe('review-title');
    expect(await desk.locator('.queue-nav').textContent()).toMatch(/1 of 2 to review/);
    await desk.getByLabel(/I have watched all of it elsewhere/).check();
    await desk.getByRole('button', { name: 'Approve for the board' }).click();
    const next = desk.getByTestId('next-to-review');
    await next.waitFor();
    // The Robins board has shown the class (the board tests above): no prompt to pair one.
    expect((await server.t.ctx.db.selectFrom('classes').select('board_seen_at').where('id', '=', videos.classId).executeTakeFirstOrThrow()).board_seen_at).not.toBeNull();
    expect(await desk.getByTestId('pair-prompt').count()).toBe(0);
    expect(await next.textContent()).toMatch(/Snail trails/);
    await shot(desk, 'desk-next-to-review');
    await next.click();
    await desk.getByTestId('review-title').filter({ hasText: 'Snail trails' }).waitFor();
    await expect.poll(() => desk.evaluate(() => document.activeElement?.getAttribute('data-testid')), SOON).toBe('review-title');
    expect(watched.problems).toEqual([]);
    await watched.context.close();
  });

  for (const [size, viewport] of SIZES) {
    it(`"Approve" is on the first screen, every desk control is at least 44 px, focus goes to the heading (${size})`, async () => {
      const { page: desk, watched } = await staffPage(teacher, viewport);
      await desk.goto(`${server.base}/#/item/${items.waiting2!.id}`);
      await desk.getByTestId('review-title').filter({ hasText: 'Snail trails' }).waitFor();
      const approve = desk.getByRole('button', { name: 'Approve for the board' });
      await approve.waitFor();
      const box = (await approve.boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
      expect(await noSideways(desk)).toBe(true);
      await shot(desk, `desk-review-${viewport.width}`);
      a11y.push(...(await accessibilityProblems(desk, `review, ${size}`)));

      // Touch targets: every button, link and form control on every desk screen.
      const small = async () =>
        desk.evaluate(() =>
          [...document.querySelectorAll<HTMLElement>('main button, main a[href], main input, main select, main textarea, main [role=slider], main summary, header a[href], header button, dialog[open] button, dialog[open] a[href], dialog[open] input, dialog[open] textarea')]
            .filter((el) => el.offsetParent !== null && !el.classList.contains('visually-hidden'))
            .map((el) => ({ el, r: el.getBoundingClientRect() }))
            // A link inside a sentence is exempt (WCAG 2.5.8); the rest must be 44×44.
            .filter(({ el }) => !(el.tagName === 'A' && el.closest('p, li, dd') && !el.classList.contains('btn') && !el.closest('.breadcrumbs')))
            // A checkbox or radio button counts by its label, which is the target a finger meets.
            .map(({ el, r }) => ({ el, r: ['checkbox', 'radio'].includes((el as HTMLInputElement).type) && el.closest('label') ? el.closest('label')!.getBoundingClientRect() : r }))
            .filter(({ r }) => r.height < 44 || r.width < 44)
            .map(({ el, r }) => `${el.tagName} "${(el.textContent || el.getAttribute('aria-label') || el.id).trim().slice(0, 40)}" ${Math.round(r.width)}×${Math.round(r.height)}`),
        );
      const focusedHeading = () => desk.evaluate(() => (document.activeElement?.tagName === 'H1' ? document.activeElement.textContent : null));
      expect(await small()).toEqual([]);
      // The dialogs too: reject, report, pair a board, the class's teachers.
      for (const [open, title] of [['Reject…', 'Reject'], ['Report a problem with this…', 'Report a problem']] as const) {
        await desk.getByRole('button', { name: open }).click();
        await desk.getByRole('dialog', { name: title }).waitFor();
        expect(await small()).toEqual([]);
        await desk.getByRole('dialog', { name: title }).getByRole('button', { name: 'Cancel' }).click();
        await desk.getByRole('dialog', { name: title }).waitFor({ state: 'hidden' });
      }
      // Every way of moving between views moves focus to the new view's main heading.
      await desk.getByRole('link', { name: 'Classes', exact: true }).first().click();
      await desk.getByRole('heading', { name: 'Your classes' }).waitFor();
      await expect.poll(focusedHeading, SOON).toBe('Your classes');
      expect(await small()).toEqual([]);
      expect(await noSideways(desk)).toBe(true);
      a11y.push(...(await accessibilityProblems(desk, `classes, ${size}`)));
      for (const [open, title] of [['Pair a board', 'Pair a board with Robins'], ['Teachers of Robins', 'Teachers of Robins']] as const) {
        await desk.getByRole('button', { name: open, exact: true }).first().click();
        const dialog = desk.getByRole('dialog', { name: title });
        await dialog.waitFor();
        expect(await small()).toEqual([]);
        a11y.push(...(await accessibilityProblems(desk, `${open} dialog, ${size}`)));
        await dialog.getByRole('button', { name: 'Close' }).click();
        await dialog.waitFor({ state: 'hidden' });
      }
      await desk.getByRole('link', { name: 'Minibeasts' }).first().click();
      await desk.getByTestId('item-row').first().waitFor();
      await expect.poll(focusedHeading, SOON).toBe('Minibeasts');
      expect(await small()).toEqual([]);
      expect(await noSideways(desk)).toBe(true);
      a11y.push(...(await accessibilityProblems(desk, `playlist, ${size}`)));
      await desk.getByRole('link', { name: /^Snail trails/ }).first().click();
      await desk.getByTestId('review-title').filter({ hasText: 'Snail trails' }).waitFor();
      await expect.poll(focusedHeading, SOON).toBe('Snail trails');
      await desk.getByTestId('nav-to-review').click();
      await desk.getByRole('heading', { name: 'To review' }).waitFor();
      await expect.poll(focusedHeading, SOON).toBe('To review');
      expect(await small()).toEqual([]);
      expect(await noSideways(desk)).toBe(true);
      a11y.push(...(await accessibilityProblems(desk, `to review, ${size}`)));
      // And the browser's Back button too.
      await desk.goBack();
      await desk.getByTestId('review-title').filter({ hasText: 'Snail trails' }).waitFor();
      await expect.poll(focusedHeading, SOON).toBe('Snail trails');
      expect(watched.problems).toEqual([]);
      await watched.context.close();
    });
  }

  it('"Approve" opens once the video has been watched (up to twice the speed); then a class with no board is asked to pair one (three sizes)', async () => {
    const cls = await server.app.inject({ method: 'POST', url: '/api/classes', headers: { cookie: teacher }, payload: { name: 'Wrens' } });
    const pl = await server.app.inject({ method: 'POST', url: '/api/playlists', headers: { cookie: teacher }, payload: { classId: cls.json().id, name: 'Wren songs', kind: 'videos' } });
    const video = await readFile(path.join(fixtures, 'frogs.mp4'));
    for (const [size, viewport] of SIZES) {
      const song = await vetted(pl.json().id, { title: `Wren song (${size})`, url: `https://videos.example.org/wren-${viewport.width}.mp4`, kind: 'video', files: { 'video.mp4': video, 'poster.jpg': video }, status: 'awaiting_review', seconds: 4 });
      const { page: desk, watched } = await staffPage(teacher, viewport);
      await desk.goto(`${server.base}/#/item/${song.id}`);
      await desk.getByTestId('review-title').filter({ hasText: 'Wren song' }).waitFor();
      const approve = desk.getByRole('button', { name: 'Approve for the board' });
      expect(await approve.isDisabled()).toBe(true);
      expect(await desk.locator('#approve-why').textContent()).toMatch(/watched 0 %/);
      // Watched to the end at twice the speed: the timeline shows it, and "Approve" opens.
      await desk.getByTestId('review-video').evaluate((v: HTMLVideoElement) => {
        v.muted = true;
        v.playbackRate = 2;
        return v.play();
      });
      await expect.poll(() => approve.isDisabled(), { timeout: 12_000, interval: 200 }).toBe(false);
      expect(await desk.getByTestId('watch-line').textContent()).toMatch(/Watched\. You can approve it now/);
      await approve.click();
      const prompt = desk.getByTestId('pair-prompt');
      await prompt.waitFor();
      expect(await prompt.textContent()).toMatch(/No board has shown Wrens yet/);
      // It was the last in the queue: "Next to review" goes round to what still waits, never "nothing else" while Snail trails does.
      expect(await desk.getByTestId('next-to-review').textContent()).toMatch(/Snail trails/);
      await expect.poll(() => desk.locator('.queue-nav').count(), SOON).toBe(0);
      if (viewport === DESK) await shot(desk, 'desk-after-approve-pair-prompt');
      expect(await noSideways(desk)).toBe(true);
      a11y.push(...(await accessibilityProblems(desk, `after approving, ${size}`)));
      await prompt.getByRole('button', { name: 'Pair a board now' }).click();
      const dialog = desk.getByRole('dialog', { name: 'Pair a board with Wrens' });
      await dialog.getByTestId('pair-code').waitFor();
            a11y.push(...(await accessibilityProblems(desk, `pairing from the review page, ${size}`)));
      await dialog.getByRole('button', { name: 'Close' }).click();
      expect((await server.t.ctx.repos.items.get(song.id))!.status).toBe('approved');
      expect(watched.problems).toEqual([]);
      await watched.context.close();
    }
  });
});

describe('what a teacher types, and a colleague does, is never lost or hidden', () => {
  it('typed words survive a session expiry, and the action the session ended on is completed after signing in again', async () => {
    await addStaff(server.t, 'colleague@school.test');
    const joined = await server.app.inject({ method: 'POST', url: `/api/classes/${videos.classId}/members`, headers: { cookie: teacher }, payload: { email: 'colleague@school.test' } });
    expect(joined.statusCode).toBe(201);
    const colleague = await signIn(server.app, 'colleague@school.test');
    const me = (await server.t.ctx.repos.users.byEmail('colleague@school.test'))!;
    const video = await readFile(path.join(fixtures, 'frogs.mp4'));
    const song = await vetted(videos.playlistId, { title: 'Frog song', url: 'https://videos.example.org/song.mp4', kind: 'video', files: { 'video.mp4': video, 'poster.jpg': video }, status: 'awaiting_review', seconds: 4 });
    const hop = await vetted(videos.playlistId, { title: 'Frog hop', url: 'https://videos.example.org/hop.mp4', kind: 'video', files: { 'video.mp4': video, 'poster.jpg': video }, status: 'awaiting_review', seconds: 4 });
    const { page: desk, watched } = await staffPage(colleague, DESK);
    /**
     * The session ends (signed out elsewhere, or idle too long) just as the teacher presses the button: the
     * action's request is the first to find it gone (were it a background re-read, the sign-in page would simply
     * come first, and the button be pressed after it).
     */
    const sessionEndsOn = (method: string, path: RegExp) => endSessionOn(desk, me.id, method, path);
    const signInAgain = async (screen: string) => {
      await desk.getByRole('button', { name: 'Sign in' }).waitFor();
      // The sign-in page says the work is kept, and knows who it was.
      expect(await desk.locator('.center-page .flash-info').textContent()).toMatch(/Sign in again to finish what you were doing — your page and what you typed are kept/);
      expect(await desk.getByLabel('Email').inputValue()).toBe('colleague@school.test');
      await expect.poll(() => desk.evaluate(() => document.activeElement?.id), SOON).toBe('signin-password');
      a11y.push(...(await accessibilityProblems(desk, screen)));
      await signInThroughPage(desk, 'colleague@school.test', 'correct horse battery');
      await desk.unrouteAll({ behavior: 'ignoreErrors' });
    };

    // 1. The reject dialog, with a new title typed but not saved yet: Reject is pressed as the session ends.
    await desk.goto(`${server.base}/#/item/${song.id}`);
    await desk.getByTestId('review-title').filter({ hasText: 'Frog song' }).waitFor();
    await desk.getByRole('button', { name: 'Rename' }).click();
    await desk.getByLabel('Title', { exact: true }).fill('Frog song (Robins)');
    await desk.getByRole('button', { name: 'Reject…' }).click();
    await desk.getByLabel('Why? (optional)').fill('Too loud for the little ones');
    await sessionEndsOn('POST', /\/reject$/);
    await desk.getByRole('dialog').getByRole('button', { name: 'Reject', exact: true }).click();
    await desk.getByRole('button', { name: 'Sign in' }).waitFor();
    expect((await server.t.ctx.repos.items.get(song.id))!.status).toBe('awaiting_review');
    await shot(desk, 'desk-signed-out-mid-action');
    await signInAgain('sign-in after the session ended');
    // Done once signed in again, and said so; the unsaved title is still in its box.
    await expect.poll(() => desk.getByTestId('review-status').textContent(), SOON).toMatch(/Rejected/);
    expect(await desk.getByTestId('flash').textContent()).toMatch(/Rejected\. It will not reach any board/);
    expect((await server.t.ctx.repos.items.get(song.id))!.reject_reason).toBe('Too loud for the little ones');
    expect(await desk.getByLabel('Title', { exact: true }).inputValue()).toBe('Frog song (Robins)');
    // 2. Rename: saved after the sign-in.
    await sessionEndsOn('PATCH', /\/api\/items\/[^/]+$/);
    await desk.getByRole('button', { name: 'Save title' }).click();
    await signInAgain('sign-in after the session ended (rename)');
    await desk.getByTestId('review-title').filter({ hasText: 'Frog song (Robins)' }).waitFor();
    expect((await server.t.ctx.repos.items.get(song.id))!.title).toBe('Frog song (Robins)');

    // 3. The date it leaves the board, and a trim typed beside it.
    await desk.goto(`${server.base}/#/item/${hop.id}`);
    await desk.getByTestId('review-title').filter({ hasText: 'Frog hop' }).waitFor();
    await desk.getByLabel('Start', { exact: true }).fill('0:01');
    await desk.getByLabel('Show on the board until').fill('2031-07-18');
    await sessionEndsOn('PATCH', /\/api\/items\/[^/]+$/);
    await desk.getByRole('button', { name: 'Save date' }).click();
    await signInAgain('sign-in after the session ended (date)');
    await expect.poll(async () => (await server.t.ctx.repos.items.get(hop.id))!.expires_at?.toISOString().slice(0, 10), SOON).toBe('2031-07-18');
    expect(await desk.getByLabel('Start', { exact: true }).inputValue()).toBe('0:01');
    // 4. The trim: the new clip is asked for once signed in again.
    await sessionEndsOn('POST', /\/reprocess$/);
    await desk.getByRole('button', { name: 'Make this clip' }).click();
    await signInAgain('sign-in after the session ended (trim)');
    await expect.poll(async () => (await server.t.ctx.repos.items.get(hop.id))!.start_seconds, SOON).toBe(1);

    // 5. A link typed into the site list.
    await desk.goto(`${server.base}/#/playlist/${sitesPlaylist}`);
    const site = await startFixtureServer({ '/newts.html': html(articlePage('Newts', 'Pond Facts', 'Newts live in ponds in spring.')) });
    await desk.getByLabel(/Paste a link to a web site/).fill(site.url('/newts.html'));
    await desk.getByLabel('Title (optional)').fill('Newts');
    await sessionEndsOn('POST', /^\/api\/items$/);
    await desk.getByRole('button', { name: 'Add web site' }).click();
    await signInAgain('sign-in after the session ended (site list)');
    await desk.getByTestId('item-row').filter({ hasText: 'Newts' }).waitFor();
    const added = await server.t.ctx.db.selectFrom('items').select(['url', 'title']).where('playlist_id', '=', sitesPlaylist).where('title', '=', 'Newts').execute();
    expect(added).toEqual([{ url: site.url('/newts.html'), title: 'Newts' }]);
    expect(await desk.getByLabel(/Paste a link to a web site/).inputValue()).toBe('');
    await site.close();

    // 6. Someone else signs in on this screen: nothing of the last person's is sent in their name or shown.
    await desk.goto(`${server.base}/#/item/${hop.id}`);
    await desk.getByTestId('review-title').filter({ hasText: 'Frog hop' }).waitFor();
    await desk.getByRole('button', { name: 'Rename' }).click();
    await desk.getByLabel('Title', { exact: true }).fill('Not for the next person');
    await sessionEndsOn('PATCH', /\/api\/items\/[^/]+$/);
    await desk.getByRole('button', { name: 'Save title' }).click();
    await desk.getByRole('button', { name: 'Sign in' }).waitFor();
    await signInThroughPage(desk, 'teacher@school.test', 'correct horse battery');
    await desk.getByTestId('review-title').filter({ hasText: 'Frog hop' }).waitFor();
    expect(await desk.getByLabel('Title', { exact: true }).count()).toBe(0);
    await desk.waitForTimeout(500);
    expect((await server.t.ctx.repos.items.get(hop.id))!.title).toBe('Frog hop');
    expect(watched.problems).toEqual([]);
    await watched.context.close();
  });

  for (const [size, viewport] of SIZES.filter(([, v]) => v !== DESK)) {
    it(`the reason typed in the reject dialog survives a session expiry and the rejection is done after signing in (${size})`, async () => {
      const me = (await server.t.ctx.repos.users.byEmail('colleague@school.test'))!;
      const colleague = await signIn(server.app, 'colleague@school.test');
      const video = await readFile(path.join(fixtures, 'frogs.mp4'));
      const item = await vetted(videos.playlistId, { title: `Frog chorus (${size})`, url: `https://videos.example.org/chorus-${viewport.width}.mp4`, kind: 'video', files: { 'video.mp4': video, 'poster.jpg': video }, status: 'awaiting_review', seconds: 4 });
      const { page: desk, watched } = await staffPage(colleague, viewport);
      await desk.goto(`${server.base}/#/item/${item.id}`);
      await desk.getByTestId('review-title').filter({ hasText: 'Frog chorus' }).waitFor();
      await desk.getByRole('button', { name: 'Reject…' }).click();
      await desk.getByLabel('Why? (optional)').fill('Not about our pond');
      await endSessionOn(desk, me.id, 'POST', /\/reject$/);
      await desk.getByRole('dialog').getByRole('button', { name: 'Reject', exact: true }).click();
      await desk.getByRole('button', { name: 'Sign in' }).waitFor();
      expect(await noSideways(desk)).toBe(true);
      a11y.push(...(await accessibilityProblems(desk, `sign-in after the session ended, ${size}`)));
      await signInThroughPage(desk, 'colleague@school.test', 'correct horse battery');
      await expect.poll(() => desk.getByTestId('review-status').textContent(), SOON).toMatch(/Rejected/);
      expect((await server.t.ctx.repos.items.get(item.id))!.reject_reason).toBe('Not about our pond');
      expect(watched.problems).toEqual([]);
      await watched.context.close();
    });
  }

  for (const [size, viewport] of SIZES) {
    it(`a colleague's approval, then their rejection, show on the open review page as information, live (${size})`, async () => {
      const video = await readFile(path.join(fixtures, 'frogs.mp4'));
      const tune = await vetted(videos.playlistId, { title: `Pond tune (${size})`, url: `https://videos.example.org/tune-${viewport.width}.mp4`, kind: 'video', files: { 'video.mp4': video, 'poster.jpg': video }, status: 'awaiting_review', seconds: 4 });
      const { page: desk, watched } = await staffPage(teacher, viewport);
      await desk.goto(`${server.base}/#/item/${tune.id}`);
      await desk.getByTestId('review-title').filter({ hasText: 'Pond tune' }).waitFor();
      const colleague = await signIn(server.app, 'colleague@school.test');
      const ok = await server.app.inject({ method: 'POST', url: `/api/items/${tune.id}/approve`, headers: { cookie: colleague }, payload: { acknowledge: ['watched_elsewhere'] } });
      expect(ok.statusCode).toBe(200);
      await expect.poll(() => desk.getByTestId('flash').textContent(), { timeout: 12_000, interval: 200 }).toMatch(/A colleague approved this meanwhile/);
      expect(await desk.locator('.flash-error').count()).toBe(0);
      expect(await desk.getByTestId('review-status').textContent()).toBe('On the board');
      // Nothing stale: "Approve" is gone, and the page says where it is.
      expect(await desk.getByRole('button', { name: 'Approve for the board' }).count()).toBe(0);
      const off = await server.app.inject({ method: 'POST', url: `/api/items/${tune.id}/reject`, headers: { cookie: colleague }, payload: { reason: 'Wrong pond' } });
      expect(off.statusCode).toBe(200);
      await expect.poll(() => desk.getByTestId('flash').textContent(), { timeout: 12_000, interval: 200 }).toMatch(/A colleague rejected this meanwhile.*Wrong pond/);
      expect(await desk.getByTestId('review-status').textContent()).toMatch(/Rejected/);
      expect(await desk.getByText(/It is on the .* board\./).count()).toBe(0);
      expect(await desk.locator('.flash-error').count()).toBe(0);
      a11y.push(...(await accessibilityProblems(desk, `colleague's decision shown, ${size}`)));
      expect(watched.problems).toEqual([]);
      await watched.context.close();
    });
  }
});

describe('trimming on the timeline', () => {
  for (const [size, viewport] of SIZES) {
    it(`drags the clip marks (or moves them with the keys), shows the frame at once, and previews the clip before it is made (${size})`, async () => {
      const video = await readFile(path.join(fixtures, 'frogs.mp4'));
      const clip = await vetted(videos.playlistId, { title: `Tadpole clip (${size})`, url: `https://videos.example.org/tadpole-${viewport.width}.mp4`, kind: 'video', files: { 'video.mp4': video, 'poster.jpg': video }, status: 'awaiting_review', seconds: 4 });
      const { page: desk, watched } = await staffPage(teacher, viewport);
      await desk.goto(`${server.base}/#/item/${clip.id}`);
      const player = desk.getByTestId('review-video');
      await player.evaluate((v: HTMLVideoElement) => new Promise((r) => (v.readyState >= 1 ? r(null) : v.addEventListener('loadedmetadata', r, { once: true }))));
      const start = desk.getByRole('slider', { name: 'Start of the clip' });
      // Dragged with a finger or the mouse: half way along the 4-second timeline is 0:02.
      const track = (await desk.locator('.timeline-track').boundingBox())!;
      const grip = (await start.boundingBox())!;
      expect(grip.width).toBeGreaterThanOrEqual(44);
      expect(grip.height).toBeGreaterThanOrEqual(44);
      await desk.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2);
      await desk.mouse.down();
      await desk.mouse.move(track.x + track.width * 0.3, grip.y + grip.height / 2, { steps: 4 });
      await desk.mouse.move(track.x + track.width * 0.5, grip.y + grip.height / 2, { steps: 4 });
      await desk.mouse.up();
      expect(await desk.getByLabel('Start', { exact: true }).inputValue()).toBe('0:02');
      expect(await start.getAttribute('aria-valuetext')).toBe('0:02');
      // The player jumped to the new start: the teacher sees the first frame of the clip at once.
      await expect.poll(() => player.evaluate((v: HTMLVideoElement) => Math.round(v.currentTime)), SOON).toBe(2);
      const end = desk.getByRole('slider', { name: 'End of the clip' });
      await end.focus();
      await desk.keyboard.press('ArrowLeft');
      expect(await desk.getByLabel('End', { exact: true }).inputValue()).toBe('0:03');
      // Preview: plays from the start mark and stops at the end mark, before anything is re-made.
      await player.evaluate((v: HTMLVideoElement) => (v.muted = true));
      await desk.getByRole('button', { name: 'Preview the clip' }).click();
      await expect.poll(() => player.evaluate((v: HTMLVideoElement) => v.paused && v.currentTime > 2.5), { timeout: 8_000, interval: 100 }).toBe(true);
      expect(await player.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeLessThan(3.5);
      expect((await server.t.ctx.repos.items.get(clip.id))!.media_generation).toBe(clip.media_generation);
      if (viewport === DESK) await shot(desk, 'desk-trim');
      a11y.push(...(await accessibilityProblems(desk, `review with trim handles, ${size}`)));
      expect(watched.problems).toEqual([]);
      await watched.context.close();
    });
  }
});

describe('quality', () => {
  it('meets WCAG 2.2 AA on every screen above (axe-core)', () => {
    expect(a11y).toEqual([]);
  });
});
