/**
 * The vetting aids on the desk (issue 12) in a real browser against the real service: a video with full-frame
 * flashing, a flagged word in its embedded subtitles and a few scenes. The review page shows the flashing fail
 * with its moments, the loudness and the flagged word; the storyboard sits under the player; clicking a scene, a
 * flagged moment or a flagged word moves the player there; approving needs the flashing acknowledgement.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorkers } from '../../src/worker/runtime.js';
import { ffmpeg, fixturesDir } from '../helpers/fixtures-media.js';
import { serveFile, startFixtureServer } from '../helpers/fixture-server.js';
import { deskFor } from '../helpers/desk.js';
import { addStaff, makeClassAndPlaylist, signIn } from '../helpers/harness.js';
import { startTestWorkers } from '../helpers/workers.js';
import { accessibilityProblems, launchBrowser, newWatchedContext, shot, signInThroughPage, SOON, startLiveServer, type Browser, type LiveServer, type Page } from './support.js';

const TEACHER = { email: 'teacher@school.test', password: 'correct horse battery' };
const ADMIN = { email: 'lead@school.test', password: 'correct horse battery' };

let server: LiveServer;
let workers: RunningWorkers;
let site: Awaited<ReturnType<typeof startFixtureServer>>;
let browser: Browser;
let desk: Page;
let itemId: string;

beforeAll(async () => {
  server = await startLiveServer();
  workers = await startTestWorkers(server.t);
  await addStaff(server.t, TEACHER.email, 'teacher', TEACHER.password);
  await addStaff(server.t, ADMIN.email, 'admin', ADMIN.password);
  const dir = await fixturesDir(server.t);
  // 4 s of calm test picture, 2 s of full-frame flashing, 4 s of colour bars; a swear word at 7 s.
  const srt = path.join(dir, 'subs.srt');
  await writeFile(srt, '1\n00:00:07,000 --> 00:00:08,500\nWell, shit.\n');
  const video = path.join(dir, 'story.mkv');
  await ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25:d=4',
    '-f', 'lavfi', '-i', "color=c=black:s=320x180:r=25:d=2,geq=lum='if(lt(mod(T\\,0.2)\\,0.1)\\,16\\,235)':cb=128:cr=128",
    '-f', 'lavfi', '-i', 'smptebars=s=320x180:r=25:d=4',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=10',
    '-i', srt,
    '-filter_complex', '[0:v][1:v][2:v]concat=n=3:v=1:a=0,format=yuv420p[v]',
    '-map', '[v]', '-map', '3:a', '-map', '4:s',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-c:s', 'srt', video,
  ]);
  site = await startFixtureServer({ '/Pond-story.mkv': serveFile(video, 'video/x-matroska') });
  const cookie = await signIn(server.app, TEACHER.email, TEACHER.password);
  const { playlistId } = await makeClassAndPlaylist(server.app, cookie);
  const staff = deskFor(server.app, cookie);
  itemId = (await staff.submit(site.url('/Pond-story.mkv'), playlistId)).json().id;
  expect((await staff.settled(itemId, 60_000)).status).toBe('awaiting_review');
  browser = await launchBrowser();
  const watched = await newWatchedContext(browser, server.base);
  desk = await watched.context.newPage();
  desk.setDefaultTimeout(20_000);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await workers?.close(1000);
  await site?.close();
  await server?.close();
});

const playerTime = () => desk.getByTestId('review-video').evaluate((v) => (v as HTMLVideoElement).currentTime);

describe('the review page', () => {
  it('shows the flashing fail, the loudness and the flagged word', async () => {
    await desk.goto(server.base);
    await signInThroughPage(desk, TEACHER.email, TEACHER.password);
    await desk.goto(`${server.base}/#/item/${itemId}`);
    await expect.poll(() => desk.getByTestId('flashing').getAttribute('data-verdict'), SOON).toBe('fail');
    expect(await desk.getByTestId('loudness').textContent()).toMatch(/LUFS/);
    expect(await desk.getByTestId('words').textContent()).toMatch(/shit in the captions at 0:07/);
    await shot(desk, 'vetting-aids');
    const problems = await accessibilityProblems(desk, 'review with vetting aids');
    expect(problems).toEqual([]);
  });

  it('seeks the player from a scene, a flagged moment and a flagged word', async () => {
    const scenes = desk.getByTestId('scene');
    expect(await scenes.count()).toBeGreaterThanOrEqual(3);
    await desk.getByTestId('review-video').evaluate((v) => new Promise((ok) => ((v as HTMLVideoElement).readyState >= 1 ? ok(null) : v.addEventListener('loadedmetadata', () => ok(null), { once: true }))));
    await scenes.last().click();
    await expect.poll(playerTime, SOON).toBeGreaterThan(5.5);
    await desk.getByTestId('flash-moment').first().click();
    await expect.poll(playerTime, SOON).toBeGreaterThan(3.5);
    expect(await playerTime()).toBeLessThan(4.6);
    await desk.getByTestId('word-moment').first().click();
    await expect.poll(playerTime, SOON).toBeGreaterThan(6.8);
  });

  it('asks for the flashing acknowledgement before approving, and approves with it', async () => {
    await desk.getByLabel(/I have watched all of it elsewhere/).check();
    const approve = desk.getByRole('button', { name: 'Approve for the board' });
    expect(await approve.isDisabled()).toBe(true);
    await desk.getByTestId('flashing-ack').locator('input').check();
    expect(await approve.isDisabled()).toBe(false);
    await approve.click();
    await expect.poll(() => desk.getByTestId('review-status').textContent(), SOON).toMatch(/board|Approved/i);
  });
});

describe("the admin console's word screen", () => {
  it('saves the school’s own words, one a line', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.base}/admin`);
    await signInThroughPage(page, ADMIN.email, ADMIN.password);
    await page.goto(`${server.base}/admin#/words`);
    await page.getByLabel('Words and phrases to flag (one a line)').fill('frogspawn\n  scary clown  \n');
    await page.getByLabel('Words never to flag (one a line)').fill('Scunthorpe');
    await page.getByRole('button', { name: 'Save the word list' }).click();
    await page.getByText(/Saved: 2 to flag, 1 to ignore/).waitFor();
    expect(await server.t.ctx.repos.settings.wordList()).toEqual({ flag: ['frogspawn', 'scary clown'], ignore: ['scunthorpe'] });
    const problems = await accessibilityProblems(page, 'admin word screen');
    expect(problems).toEqual([]);
    await context.close();
  });
});
