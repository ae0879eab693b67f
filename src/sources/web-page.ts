/**
 * A link to an ordinary web page: fetch the HTML once through the guarded fetcher, turn it into a
 * clean reader view (page/), and bring its pictures home as freshly encoded JPEGs, so the
 * teacher reviews a copy in which nothing can run, track or load from elsewhere.
 *
 * Nothing the page asks for is followed on its own say-so: a meta refresh or a script redirect is
 * only reported (details.redirectsTo), never fetched, because the page is attacker-controlled and
 * could point us at an internal address. Every byte — page, pictures, og:image — goes through the
 * guarded fetcher, which decides which addresses may be reached.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { JSDOM } from 'jsdom';
import { isVettedError, VettedError } from '../domain/errors.js';
import type { MediaAdapter } from '../media/ffmpeg.js';
import { abortReason } from '../net/errors.js';
import { downloadToFile, fetchBuffer, type AcceptCheck, type FetchPolicy } from '../net/fetcher.js';
import { sniffKind } from '../domain/link.js';
import { renderCardSvg } from './page/card.js';
import { decodeHtml } from './page/charset.js';
import { cleanPage } from './page/clean.js';
import { MAX_IMAGES, replaceImages } from './page/pictures.js';
import { renderPageDocument } from './page/reader.js';
import type { FetchedPage, Source, SourceContext } from './types.js';

export interface WebPageSourceOptions {
  /** Called lazily, so building the source costs nothing when no page is ever fetched. */
  media: () => MediaAdapter;
  /** Cap on the page's HTML, after decompression. Default 5 MB. */
  maxPageBytes?: number;
  /** Cap on each picture as downloaded. Default 10 MB. */
  maxImageBytes?: number;
}

const DEFAULT_MAX_PAGE_BYTES = 5 * 1024 * 1024;
const DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024;
/** Pictures fetched at once: enough to hide latency, few enough not to hammer one site or two cores of ffmpeg. */
const IMAGE_CONCURRENCY = 3;
/** Content images are shown at reading width; 1200 px covers a 2x screen at the reader's 40rem column. */
const IMAGE_MAX_WIDTH = 1200;
const POSTER_MAX_WIDTH = 1280;
const THUMBNAIL_MAX_WIDTH = 320;

const PAGE_TYPES = new Set(['text/html', 'application/xhtml+xml']);

// ---------------------------------------------------------------------------------------------
// Refusing what is not a page

/** A content type in words a teacher knows; the raw type only when it is a plain token. */
function describeType(type: string | undefined): string {
  if (!type) return 'a file of unknown type';
  if (type === 'application/pdf') return 'a PDF document';
  if (type.startsWith('video/')) return 'a video file';
  if (type.startsWith('audio/')) return 'a sound file';
  if (type.startsWith('image/')) return 'a picture';
  if (type === 'text/plain') return 'a plain text file';
  if (type === 'application/json' || type.endsWith('+json')) return 'a data file';
  if (/zip|compressed|x-tar|x-7z|x-rar|gzip/.test(type)) return 'a compressed archive';
  return /^[a-z0-9.+-]{1,60}\/[a-z0-9.+-]{1,60}$/.test(type) ? `a file of type ${type}` : 'a file of unknown type';
}

function notAPage(type: string | undefined): VettedError {
  const advice =
    type?.startsWith('video/')
      ? 'To show a video, add the link to a video list instead.'
      : 'Copy the link of the web page itself from the browser address bar.';
  return new VettedError('not_a_page', `This link is not a web page (it is ${describeType(type)}). ${advice}`, {
    httpStatus: 422,
  });
}

/**
 * Runs before a body byte is read, so a 2 GB video linked by mistake costs one request. A missing
 * Content-Type is let through here and judged from the bytes afterwards (see `fetch`).
 */
const acceptPage: AcceptCheck = ({ contentType }) => {
  if (contentType === undefined || PAGE_TYPES.has(contentType)) return;
  throw notAPage(contentType);
};

/** Pictures only; ffmpeg checks the bytes again, this just avoids downloading a 10 MB HTML error page. */
const acceptImage: AcceptCheck = ({ contentType }) => {
  if (!contentType?.startsWith('image/') || contentType === 'image/svg+xml') {
    // SVG is refused too: it is a document that can carry script, and imageToJpeg cannot read it anyway.
    throw new VettedError('not_an_image', `Expected a picture, got ${describeType(contentType)}.`);
  }
};

// ---------------------------------------------------------------------------------------------
// Redirects we report but never follow

/**
 * Where an inline script sends the visitor (`location = '…'`, `location.href = …`,
 * `location.replace(…)`), for the teacher's information only. A best-effort pattern match: the
 * script is never run and the target never fetched.
 */
function scriptRedirect(html: string, base: URL): string | undefined {
  const patterns = [
    /\blocation(?:\.href)?\s*=\s*(["'`])([^"'`\n]{1,2000})\1/,
    /\blocation\.(?:replace|assign)\(\s*(["'`])([^"'`\n]{1,2000})\1\s*\)/,
  ];
  for (const re of patterns) {
    const target = re.exec(html)?.[2];
    if (!target) continue;
    try {
      const u = new URL(target.trim(), base);
      if (u.protocol === 'http:' || u.protocol === 'https:') return u.href;
    } catch {
      // Not a URL (a variable name, a template): nothing to report.
    }
  }
  return undefined;
}

function readableText(html: string): string {
  // A fragment parse only: no window, no scripts (there are none left anyway), no loading.
  return (JSDOM.fragment(html).textContent ?? '').replace(/\s+/g, ' ').trim();
}

function emptyPage(redirectsTo: string | undefined): VettedError {
  const message = redirectsTo
    ? `Vetted could not find any readable content on this page: it only sends visitors on to ${redirectsTo}. ` +
      'If that is the page you meant, add that link instead.'
    : 'Vetted could not find any readable content on this page. It may need JavaScript or a login to show its text; ' +
      'try the link of a specific article instead.';
  return new VettedError('page_empty', message, { httpStatus: 422 });
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/**
 * Runs tasks at most `limit` at a time. On the first failure no new task starts, and the failure is
 * thrown only once the running ones have settled, so nothing is still writing into workDir when
 * the caller cleans it up.
 */
async function runLimited<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < tasks.length) {
      const i = next++;
      try {
        results[i] = await tasks[i]!();
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return results;
}

/**
 * Runs picture work under the "never fatal" rule: false for a picture that cannot be had (any
 * VettedError: blocked address, 404, not an image, too big, unreadable). An abort, or any other
 * error (disk full, a bug), is rethrown: a retry or an operator must see it, not a quietly
 * picture-less page.
 */
async function tolerated(signal: AbortSignal, work: () => Promise<void>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (e) {
    if (signal.aborted) throw abortReason(signal);
    if (!isVettedError(e)) throw e;
    return false;
  }
}

function siteLabel(host: string): string {
  return host.replace(/^www\./i, '');
}

// ---------------------------------------------------------------------------------------------

export function webPageSource(opts: WebPageSourceOptions): Source {
  const maxPageBytes = opts.maxPageBytes ?? DEFAULT_MAX_PAGE_BYTES;
  const maxImageBytes = opts.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;

  async function fetchPage(ctx: SourceContext): Promise<FetchedPage> {
    const { workDir, signal } = ctx;
    // Never loosen the installation's own cap, only tighten it.
    const pagePolicy: FetchPolicy = { ...ctx.policy, maxBytes: Math.min(ctx.policy.maxBytes, maxPageBytes) };
    const imagePolicy: FetchPolicy = { ...ctx.policy, maxBytes: Math.min(ctx.policy.maxBytes, maxImageBytes) };

    // 1. The page itself. The fetcher caps the decompressed size too, so a gzip bomb stops at maxBytes.
    const fetched = await fetchBuffer(ctx.item.url, { policy: pagePolicy, signal, accept: acceptPage });
    if (fetched.contentType === undefined && sniffKind(undefined, fetched.body.subarray(0, 512)) !== 'page') {
      throw notAPage(undefined);
    }
    const finalUrl = fetched.url;
    ctx.onProgress(10);

    // 2. Clean it. Redirects the page asks for are recorded, never followed.
    const html = decodeHtml(fetched.body, fetched.headers['content-type']);
    const page = cleanPage(html, finalUrl);
    const redirectsTo = page.metaRefresh ?? scriptRedirect(html, finalUrl);
    if (readableText(page.html) === '') throw emptyPage(redirectsTo);

    // 3 + 4. Content images and the og:image, a few at a time. A picture that cannot be had (blocked
    // address, 404, not an image, too big, unreadable) is simply left out: it must never cost the
    // teacher the whole page.
    const media = opts.media();
    const images = page.images.slice(0, MAX_IMAGES);

    /** Download `src` to a scratch name, convert it, and always delete the original. */
    const fetchPicture = async (src: string, scratch: string, convert: (file: string) => Promise<void>, outputs: string[]) => {
      const original = path.join(workDir, scratch);
      try {
        const ok = await tolerated(signal, async () => {
          await downloadToFile(src, original, { policy: imagePolicy, signal, accept: acceptImage });
          await convert(original);
        });
        if (!ok) await Promise.all(outputs.map((f) => rm(path.join(workDir, f), { force: true })));
        return ok;
      } finally {
        // The original keeps whatever metadata and payload the site put in it; only our re-encode is kept.
        await rm(original, { force: true });
      }
    };

    const total = images.length + (page.ogImage ? 1 : 0);
    let done = 0;
    const step = <T>(p: Promise<T>): Promise<T> =>
      p.finally(() => {
        done += 1;
        ctx.onProgress(10 + Math.floor((80 * done) / total));
      });

    const tasks: Array<() => Promise<boolean>> = images.map((img, i) => () => {
      // Named after the placeholder's position, so the name in page.html is fixed before any download.
      const name = `img-${i}.jpg`;
      return step(
        fetchPicture(
          img.src,
          `img-${i}.download`,
          (file) => media.imageToJpeg(file, path.join(workDir, name), { maxWidth: IMAGE_MAX_WIDTH, signal }),
          [name],
        ),
      );
    });
    const ogImage = page.ogImage;
    if (ogImage) {
      tasks.unshift(() =>
        step(
          fetchPicture(
            ogImage,
            'og-image.download',
            async (file) => {
              await media.imageToJpeg(file, path.join(workDir, 'poster.jpg'), { maxWidth: POSTER_MAX_WIDTH, signal });
              await media.imageToJpeg(file, path.join(workDir, 'thumbnail.jpg'), { maxWidth: THUMBNAIL_MAX_WIDTH, signal });
            },
            ['poster.jpg', 'thumbnail.jpg'],
          ),
        ),
      );
    }
    const outcomes = await runLimited(tasks, IMAGE_CONCURRENCY);
    if (signal.aborted) throw abortReason(signal);
    const ogStored = ogImage ? outcomes.shift() === true : false;

    const map = new Map<string, string | null>();
    const stored: string[] = [];
    images.forEach((img, i) => {
      const ok = outcomes[i] === true;
      // A bare sibling name: page.html and its pictures are published in one folder, so this works
      // under whatever URL prefix the media route uses.
      map.set(img.placeholder, ok ? `img-${i}.jpg` : null);
      if (ok) stored.push(`img-${i}.jpg`);
    });
    ctx.onProgress(90);

    let poster = 'poster.jpg';
    let thumbnail = 'thumbnail.jpg';
    let posterFrom: 'og:image' | 'content' | 'card' = 'og:image';
    if (!ogStored) {
      const first = stored[0];
      const fromContent =
        first !== undefined &&
        (await tolerated(signal, async () => {
          const src = path.join(workDir, first);
          await media.imageToJpeg(src, path.join(workDir, poster), { maxWidth: POSTER_MAX_WIDTH, signal });
          await media.imageToJpeg(src, path.join(workDir, thumbnail), { maxWidth: THUMBNAIL_MAX_WIDTH, signal });
        }));
      if (fromContent) {
        posterFrom = 'content';
      } else {
        await Promise.all([poster, thumbnail].map((f) => rm(path.join(workDir, f), { force: true })));
        const svg = renderCardSvg(page.siteName ?? siteLabel(finalUrl.hostname), page.title);
        poster = 'poster.svg';
        thumbnail = 'thumbnail.svg';
        posterFrom = 'card';
        await writeFile(path.join(workDir, poster), svg);
        await writeFile(path.join(workDir, thumbnail), svg);
      }
    }

    // 5. The reader view, pointing only at the pictures we stored.
    const document = renderPageDocument({ ...page, sourceUrl: finalUrl.href }, replaceImages(page.html, map));
    await writeFile(path.join(workDir, 'page.html'), document);

    // 6.
    const details: Record<string, unknown> = { source: 'web' };
    const put = (key: string, value: unknown): void => {
      if (value !== undefined) details[key] = value;
    };
    put('siteName', page.siteName);
    put('canonicalUrl', page.canonicalUrl);
    put('lang', page.lang);
    put('author', page.author);
    put('publishedAt', page.publishedAt);
    put('licence', page.licence);
    put('excerpt', page.excerpt);
    details.imagesKept = stored.length;
    details.imagesDropped = images.length - stored.length;
    details.posterFrom = posterFrom;
    put('redirectsTo', redirectsTo);
    // HTTP redirects were followed (through the guard); the teacher should see where the copy came from.
    if (finalUrl.href !== new URL(ctx.item.url).href) details.finalUrl = finalUrl.href;

    ctx.onProgress(100);
    return {
      type: 'page',
      title: page.title || finalUrl.hostname,
      details,
      files: { page: 'page.html', thumbnail, poster, images: stored },
    };

  }

  return { name: 'web', fetch: fetchPage };
}
