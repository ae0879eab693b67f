/**
 * The web page source end to end: real guarded fetcher, real ffmpeg, a fixture server on 127.0.0.1.
 * Every other address the pages mention (127.0.0.2) is outside the allow list, so the guard must
 * refuse it before connecting; nothing here ever reaches beyond the loopback fixture server.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { JSDOM } from 'jsdom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemRow } from '../../src/db/schema.js';
import { VettedError } from '../../src/domain/errors.js';
import { resolveBinaries } from '../../src/media/binaries.js';
import { createMediaAdapter, type MediaAdapter } from '../../src/media/ffmpeg.js';
import { downloadToFile, policyFromConfig, type FetchPolicy } from '../../src/net/index.js';
import { renderCardSvg } from '../../src/sources/page/card.js';
import type { FetchedPage, SourceContext } from '../../src/sources/types.js';
import { webPageSource } from '../../src/sources/web-page.js';
import { startFixtureServer, type FixtureHandler } from '../helpers/fixture-server.js';
import { ffprobeJson, makeFixture } from '../helpers/fixtures-media.js';
import { vettedFailure } from '../helpers/errors.js';

const MB = 1024 * 1024;
/** Loopback, but not in the allow list: the guard must refuse it without connecting. */
const BLOCKED = 'http://127.0.0.2:1';

let dir: string;
let media: MediaAdapter;
let server: Awaited<ReturnType<typeof startFixtureServer>>;
const workDirs: string[] = [];
const images: Record<string, Buffer> = {};
let inFlight = 0;
let maxInFlight = 0;

const policy: FetchPolicy = policyFromConfig({
  fetchAllowPrivate: ['127.0.0.1'],
  maxDownloadBytes: 2 * 1024 * MB,
  connectTimeoutMs: 3000,
  idleTimeoutMs: 3000,
});

// ---------------------------------------------------------------------------------------------
// Fixture pages

const LOREM =
  'Woodlice live under logs and stones where it is damp and dark. They eat rotting leaves and wood, ' +
  'which helps to turn them back into soil. A woodlouse has fourteen legs and a hard shell made of plates. ';

function article(body: string, head = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`;
}

const ARTICLE_HTML = (port: number) =>
  article(
    `<nav><a href="/">Home</a> <a href="/about">About us</a></nav>
<div class="ad-banner">BUYNOW advert text</div>
<article>
<h1>Minibeasts in the garden</h1>
<p>${LOREM}</p>
<figure><img src="/img/a.png" alt="A woodlouse"><figcaption>A woodlouse on bark</figcaption></figure>
<p>Snails carry their homes on their backs. ${LOREM}</p>
<p><img src="/img/b.jpg" alt="A snail"></p>
<p>Spiders spin webs to catch their food. ${LOREM}</p>
<p><img src="${BLOCKED}/x.png" alt="Internal picture"></p>
<iframe src="/iframe-target" width="600" height="400"></iframe>
<p>Ladybirds eat aphids, which makes gardeners happy. ${LOREM}</p>
<script>fetch('http://127.0.0.1:${port}/beacon')</script>
</article>
<aside class="related"><h2>Related articles</h2><ul><li><a href="/other">RELATEDLINK other story</a></li></ul></aside>
<section id="comments"><h2>Comments</h2><p>COMMENTTEXT Great post, thanks!</p></section>
<footer>FOOTERTEXT copyright</footer>`,
    `<title>Minibeasts in the garden | Nature Club</title>
<meta property="og:title" content="Minibeasts in the garden">
<meta property="og:site_name" content="Nature Club">
<meta property="og:image" content="/og.png">
<meta name="author" content="Ada Green">
<meta property="article:published_time" content="2024-05-01">
<link rel="canonical" href="/articles/minibeasts">
<script src="/tracker.js"></script>`,
  );

const PLAIN_HTML = article(
  `<article><h1>Counting rhymes</h1><p>One, two, buckle my shoe. ${LOREM}</p><p>Three, four, knock at the door. ${LOREM}</p></article>`,
  '<title>Counting rhymes</title><meta property="og:site_name" content="Story Corner">',
);

const CONTENT_IMAGE_HTML = article(
  `<article><h1>Big picture</h1><p>${LOREM}</p><p><img src="/og.png" alt="Test card"></p><p>${LOREM}</p></article>`,
  // An og:image on a refused address: the poster must come from the content image instead.
  `<title>Big picture</title><meta property="og:image" content="${BLOCKED}/og.png">`,
);

const REFRESH_HTML = (port: number) =>
  article(
    `<article><h1>Moving house</h1><p>${LOREM}</p><p>${LOREM}</p>
<script>location='http://127.0.0.1:${port}/secret2'</script></article>`,
    `<title>Moving house</title><meta http-equiv="refresh" content="0;url=http://127.0.0.1:${port}/secret">`,
  );

const SHELL_HTML = (port: number) =>
  article('', `<meta http-equiv="refresh" content="0; url='http://127.0.0.1:${port}/secret3'">`);

const SCRIPT_SHELL_HTML = (port: number) =>
  article(`<script>window.location.href = "http://127.0.0.1:${port}/secret4";</script>`);

/** Mutation-XSS and URL tricks; each marker must be gone from the vetted copy. */
const XSS_HTML = article(
  `<article><h1>Safe heading</h1><p>${LOREM}</p>
<svg onload="alert('svg')"><circle r="5"></circle></svg>
<img src=x onerror="alert('onerror')">
<noscript><p title="</noscript><img src=y onerror=alert('noscript')>"></p></noscript>
<img srcset="javascript:alert('srcset') 1x" alt="srcset">
<img src="javascript:alert('src')">
<a href="javascript:alert('href')">click me</a>
<a href="jav&#x09;ascript:alert('tab')">click too</a>
<p style="background:url(javascript:alert('style'))" onclick="alert('onclick')">Styled words stay.</p>
<math><mtext><table><mglyph><style><img src=z onerror=alert('math')></style></mglyph></table></mtext></math>
<form action="/steal"><button formaction="javascript:alert('button')">press</button></form>
<object data="javascript:alert('object')"></object>
<div onmouseover="alert('hover')">Hover words stay.</div>
<p>${LOREM}</p></article>`,
  '<title>Tricky page</title>',
);

/** "Café prices: £5 … €" in windows-1252 bytes, declared only by <meta>. */
const LATIN_BYTES = Buffer.from(
  article(
    `<article><h1>Caf\u00e9 prices</h1><p>A cup of tea costs \u00a32 and a cake costs \u00a35. ` +
      `In Paris the same caf\u00e9 charges 4\x80. \x93Lovely\x94, said the visitor. ${LOREM}</p><p>${LOREM}</p></article>`,
    '<meta charset="windows-1252"><title>Caf\u00e9 prices</title>',
  ).replace('<meta charset="utf-8">', ''),
  'latin1',
);

function html(body: string | Buffer, type: string | null = 'text/html; charset=utf-8'): FixtureHandler {
  return (_req, res) => {
    res.writeHead(200, type === null ? {} : { 'content-type': type });
    res.end(body);
  };
}

// ---------------------------------------------------------------------------------------------
// Harness

function context(url: string, workDir: string, progress: number[] = []): SourceContext {
  return {
    item: { id: 'item-1', url } as ItemRow,
    workDir,
    policy,
    signal: new AbortController().signal,
    onProgress: (p) => progress.push(p),
  };
}

async function freshWorkDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'vetted-page-'));
  workDirs.push(d);
  return d;
}

async function fetchPage(pathName: string, opts: Partial<Parameters<typeof webPageSource>[0]> = {}) {
  const workDir = await freshWorkDir();
  const progress: number[] = [];
  const source = webPageSource({ media: () => media, ...opts });
  const result = (await source.fetch(context(server.url(pathName), workDir, progress))) as FetchedPage;
  return { result, workDir, progress, page: await readFile(path.join(workDir, result.files.page), 'utf8') };
}

async function failure(pathName: string, opts: Partial<Parameters<typeof webPageSource>[0]> = {}): Promise<VettedError> {
  const workDir = await freshWorkDir();
  const source = webPageSource({ media: () => media, ...opts });
  return vettedFailure(source.fetch(context(server.url(pathName), workDir)));
}

async function widthOf(file: string): Promise<number | undefined> {
  const j = await ffprobeJson(file);
  expect(j.streams[0]?.codec_name).toBe('mjpeg');
  return j.streams[0]?.width;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vetted-page-fx-'));
  const bins = resolveBinaries();
  media = createMediaAdapter({ ffmpegPath: bins.ffmpeg, ffprobePath: bins.ffprobe, timeoutMs: 60_000 });

  const [og, a, bigPng] = await Promise.all([
    makeFixture('png', path.join(dir, 'og.png'), { width: 1600, height: 900 }),
    makeFixture('png', path.join(dir, 'a.png'), { width: 320, height: 240 }),
    makeFixture('png', path.join(dir, 'b-src.png'), { width: 2000, height: 1000 }),
  ]);
  // A real JPEG for the second picture: the adapter is the only JPEG writer at hand.
  await media.imageToJpeg(bigPng, path.join(dir, 'b.jpg'), { maxWidth: 4000 });
  images.og = await readFile(og);
  images.a = await readFile(a);
  images.b = await readFile(path.join(dir, 'b.jpg'));

  server = await startFixtureServer({});
  const port = server.port;
  const bigPage = Buffer.from(article(`<p>${'a'.repeat(6 * MB)}</p>`));
  // 60 MB of spaces is about 60 KB on the wire.
  const bomb = gzipSync(Buffer.concat([Buffer.from('<!doctype html><html><body><p>'), Buffer.alloc(60 * MB, 0x20)]));

  Object.assign(server.routes, {
    '/article.html': html(ARTICLE_HTML(port)),
    '/og.png': html(images.og, 'image/png'),
    '/img/a.png': html(images.a, 'image/png'),
    '/img/b.jpg': html(images.b, 'image/jpeg'),
    '/plain.html': html(PLAIN_HTML),
    '/content-image.html': html(CONTENT_IMAGE_HTML),
    '/untyped.html': html(PLAIN_HTML, null),
    '/untyped.bin': html(images.a, null),
    '/doc.pdf': html(Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n'), 'application/pdf'),
    '/refresh.html': html(REFRESH_HTML(port)),
    '/shell.html': html(SHELL_HTML(port)),
    '/script-shell.html': html(SCRIPT_SHELL_HTML(port)),
    '/xss.html': html(XSS_HTML),
    '/latin.html': html(LATIN_BYTES, 'text/html'),
    '/big-declared.html': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': bigPage.length });
      res.end(bigPage);
    },
    '/big-streamed.html': (_req, res) => {
      // No Content-Length: the cap must bite while streaming, not only on the declared size.
      res.writeHead(200, { 'content-type': 'text/html' });
      for (let i = 0; i < bigPage.length; i += 256 * 1024) res.write(bigPage.subarray(i, i + 256 * 1024));
      res.end();
    },
    '/moved.html': (_req, res) => {
      res.writeHead(302, { location: '/plain.html' }).end();
    },
    '/moved-inside.html': (_req, res) => {
      res.writeHead(302, { location: `${BLOCKED}/admin` }).end();
    },
    '/gallery.html': html(
      article(`<article><h1>Gallery</h1><p>${LOREM}</p>${[0, 1, 2, 3, 4, 5].map((i) => `<p><img src="/slow/${i}.png" alt="Picture ${i}"></p>`).join('')}<p>${LOREM}</p></article>`),
    ),
    '/hanging.html': html(article(`<article><h1>Hanging</h1><p>${LOREM}</p><p><img src="/hang.png" alt="never"></p><p>${LOREM}</p></article>`)),
    // Never answers: the only way out of this request is the job's abort signal.
    '/hang.png': () => undefined,
    '/bomb.html': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': bomb.length });
      res.end(bomb);
    },
  } satisfies Record<string, FixtureHandler>);
  for (let i = 0; i < 6; i++) {
    server.routes[`/slow/${i}.png`] = (_req, res) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        html(images.a!, 'image/png')(_req, res);
      }, 150);
    };
  }
});

afterAll(async () => {
  await server?.close();
  await Promise.all([dir, ...workDirs].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
});

// ---------------------------------------------------------------------------------------------

describe('webPageSource', () => {
  it('the premise: the guard refuses 127.0.0.2 before connecting', async () => {
    // A connection attempt to port 1 would fail as fetch_network (refused); blocked means no attempt.
    const err = await downloadToFile(`${BLOCKED}/x.png`, path.join(dir, 'never'), { policy }).catch((e: unknown) => e);
    expect((err as VettedError).code).toBe('fetch_blocked_address');
  });

  it('makes a clean copy of an article with its pictures, and a poster from og:image', async () => {
    const { result, workDir, progress, page } = await fetchPage('/article.html');

    expect(result.type).toBe('page');
    expect(result.title).toBe('Minibeasts in the garden');
    expect(result.files).toEqual({
      page: 'page.html',
      poster: 'poster.jpg',
      thumbnail: 'thumbnail.jpg',
      images: ['img-0.jpg', 'img-1.jpg'],
    });
    // Nothing else left behind: originals are deleted once re-encoded.
    expect((await readdir(workDir)).sort()).toEqual(['img-0.jpg', 'img-1.jpg', 'page.html', 'poster.jpg', 'thumbnail.jpg']);
    expect(result.details).toMatchObject({
      source: 'web',
      siteName: 'Nature Club',
      canonicalUrl: server.url('/articles/minibeasts'),
      lang: 'en',
      author: 'Ada Green',
      publishedAt: '2024-05-01',
      imagesKept: 2,
      imagesDropped: 1,
      posterFrom: 'og:image',
    });
    expect(result.details).not.toHaveProperty('redirectsTo');

    // The article, and only the article.
    expect(page).toContain('Woodlice live under logs');
    expect(page).toContain('Ladybirds eat aphids');
    for (const clutter of ['BUYNOW', 'RELATEDLINK', 'COMMENTTEXT', 'FOOTERTEXT', 'About us']) expect(page).not.toContain(clutter);
    expect(page).not.toMatch(/<script|<iframe/i);
    expect(page).not.toContain('127.0.0.2');
    expect(page).not.toContain('vetted-image:');
    // Pictures point at sibling files, so the copy works under any media URL prefix.
    expect(page).toContain('src="img-0.jpg"');
    expect(page).toContain('src="img-1.jpg"');
    expect(page).not.toContain('img-2.jpg');
    expect(page).toContain(`Source: ${server.url('/article.html')}`);

    // Scripts were never run, the frame never loaded, the refused picture never requested.
    for (const p of ['/tracker.js', '/iframe-target', '/beacon']) expect(server.hits.get(p)).toBeUndefined();

    expect(await widthOf(path.join(workDir, 'img-0.jpg'))).toBe(320);
    expect(await widthOf(path.join(workDir, 'img-1.jpg'))).toBe(1200);
    expect(await widthOf(path.join(workDir, 'poster.jpg'))).toBe(1280);
    expect(await widthOf(path.join(workDir, 'thumbnail.jpg'))).toBe(320);

    expect(progress[0]).toBe(10);
    expect(progress.at(-1)).toBe(100);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
  });

  it('takes the poster from the first stored picture when og:image cannot be fetched', async () => {
    const { result, workDir, page } = await fetchPage('/content-image.html');
    expect(result.files).toMatchObject({ poster: 'poster.jpg', thumbnail: 'thumbnail.jpg', images: ['img-0.jpg'] });
    expect(result.details).toMatchObject({ posterFrom: 'content', imagesKept: 1, imagesDropped: 0 });
    expect(page).not.toContain('127.0.0.2');
    expect(await widthOf(path.join(workDir, 'img-0.jpg'))).toBe(1200);
    expect(await widthOf(path.join(workDir, 'poster.jpg'))).toBe(1200);
    expect(await widthOf(path.join(workDir, 'thumbnail.jpg'))).toBe(320);
  });

  it('draws an SVG card when the page has no pictures at all', async () => {
    const { result, workDir, page } = await fetchPage('/plain.html');
    expect(result.files).toEqual({ page: 'page.html', poster: 'poster.svg', thumbnail: 'thumbnail.svg', images: [] });
    expect(result.details).toMatchObject({ posterFrom: 'card', imagesKept: 0, imagesDropped: 0, siteName: 'Story Corner' });
    expect(page).toContain('buckle my shoe');
    const svg = await readFile(path.join(workDir, 'thumbnail.svg'), 'utf8');
    expect(svg).toContain('Story Corner');
    expect(svg).toContain('Counting rhymes');
    expect(svg).toContain('width="1280" height="720"');
  });

  it('accepts HTML served without a Content-Type, judged by its bytes', async () => {
    const { result, page } = await fetchPage('/untyped.html');
    expect(result.title).toBe('Counting rhymes');
    expect(page).toContain('buckle my shoe');
  });

  it('follows HTTP redirects only through the guard, and says where the copy came from', async () => {
    const { result } = await fetchPage('/moved.html');
    expect(result.details?.finalUrl).toBe(server.url('/plain.html'));
    expect((await failure('/moved-inside.html')).code).toBe('fetch_blocked_address');
  });

  it('fetches pictures at most three at a time', async () => {
    maxInFlight = 0;
    const { result, page } = await fetchPage('/gallery.html');
    expect(result.files.images).toEqual(['img-0.jpg', 'img-1.jpg', 'img-2.jpg', 'img-3.jpg', 'img-4.jpg', 'img-5.jpg']);
    expect(page).toContain('src="img-5.jpg"');
    expect(maxInFlight).toBe(3);
  });

  it('treats an abort as an abort, not as a picture to leave out', async () => {
    const workDir = await freshWorkDir();
    const controller = new AbortController();
    const ctx = { ...context(server.url('/hanging.html'), workDir), signal: controller.signal };
    const reason = new Error('job cancelled');
    const started = Date.now();
    setTimeout(() => controller.abort(reason), 300);
    await expect(webPageSource({ media: () => media }).fetch(ctx)).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('refuses links that are not web pages', async () => {
    const pdf = await failure('/doc.pdf');
    expect(pdf.code).toBe('not_a_page');
    expect(pdf.message).toMatch(/^This link is not a web page \(it is a PDF document\)\./);
    const untyped = await failure('/untyped.bin');
    expect(untyped.code).toBe('not_a_page');
  });

  it('stops a page over the size cap, declared or streamed', async () => {
    expect((await failure('/big-declared.html', { maxPageBytes: 5 * MB })).code).toBe('fetch_too_large');
    expect((await failure('/big-streamed.html', { maxPageBytes: 5 * MB })).code).toBe('fetch_too_large');
  });

  it('stops a gzip bomb at the cap on decompressed bytes, quickly', async () => {
    const started = Date.now();
    expect((await failure('/bomb.html')).code).toBe('fetch_too_large');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('reports meta refresh and script redirects but never follows them', async () => {
    const { result, page } = await fetchPage('/refresh.html');
    expect(result.details?.redirectsTo).toBe(server.url('/secret'));
    expect(page).toContain('Woodlice live under logs');

    const shell = await failure('/shell.html');
    expect(shell.code).toBe('page_empty');
    expect(shell.message).toContain(server.url('/secret3'));

    const scriptShell = await failure('/script-shell.html');
    expect(scriptShell.code).toBe('page_empty');
    expect(scriptShell.message).toContain(server.url('/secret4'));

    for (const p of ['/secret', '/secret2', '/secret3', '/secret4']) expect(server.hits.get(p)).toBeUndefined();
  });

  it('decodes a windows-1252 page declared only in <meta>', async () => {
    const { result, page } = await fetchPage('/latin.html');
    expect(result.title).toBe('Café prices');
    expect(page).toContain('costs £2');
    expect(page).toContain('charges 4€');
    expect(page).toContain('“Lovely”');
    expect(page).not.toContain('\ufffd');
  });

  it('lets no script, handler or javascript: URL through the sanitiser', async () => {
    const { page } = await fetchPage('/xss.html');
    const body = page.slice(page.indexOf('<body>'));
    expect(body).toContain('Safe heading');
    expect(body).toContain('Styled words stay.');
    expect(body).toContain('Hover words stay.');
    expect(body).not.toMatch(/<(?:script|svg|math|noscript|style|object|form|button|iframe)\b/i);
    expect(body).not.toMatch(/\son[a-z]+\s*=/i);
    expect(body).not.toMatch(/javascript:|alert\(|srcset|style=|formaction/i);
    // The one <img src=x> was resolved, tried (404) and dropped, like any broken picture.
    expect(body).not.toMatch(/<img/i);
  });
});

describe('renderCardSvg', () => {
  it('escapes the title and stays a well-formed, inert SVG', () => {
    const svg = renderCardSvg('Evil & Co', '<script>alert("x")</script> \u0001 Tom & Jerry\'s "big" day out at the seaside with a very long title');
    expect(svg).not.toMatch(/<script|href=|xlink|url\(/i);
    expect(svg).toContain('Evil &amp; Co');
    expect(svg).toContain('&lt;script&gt;');
    const doc = new JSDOM(svg, { contentType: 'image/svg+xml' }).window.document;
    expect(doc.getElementsByTagName('parsererror')).toHaveLength(0);
    expect(doc.documentElement.getAttribute('width')).toBe('1280');
    expect(doc.getElementsByTagName('script')).toHaveLength(0);
  });
});
