/**
 * Turning a fetched web page into a clean, self-contained "vetted copy": the article text and its
 * pictures, without ads, trackers, scripts or anything that could run or phone home. Pure (no
 * network): the caller fetches the HTML and the images, this module only transforms text.
 *
 * The steps, one module each: what the page says about itself (metadata.ts), its furniture taken out
 * (clutter.ts), the article found by Readability, the markup sanitised (sanitise.ts, the safety) with
 * its pictures turned into placeholders (pictures.ts), and the reader view (reader.ts).
 */
import { JSDOM, VirtualConsole } from 'jsdom';
import { Readability } from '@mozilla/readability';
import { fixLazyImages, removeClutter } from './clutter.js';
import { collectMetadata, effectiveBase, normaliseDate, personName, type PageMeta } from './metadata.js';
import { placeholderPolicies, type PagePicture } from './pictures.js';
import { sanitizeStable } from './sanitise.js';
import { LANG_RE, squash } from './text.js';

export type { PageMeta } from './metadata.js';

export interface CleanPage extends PageMeta {
  title: string;
  /** Sanitised article body. Image sources are placeholders (see `images`). */
  html: string;
  /** The pictures the html shows, by placeholder (pictures.ts). */
  images: PagePicture[];
}

/**
 * Fetched HTML → clean vetted copy. Scripts never run and nothing is loaded: jsdom is used purely
 * as a parser. Image sources in `html` are placeholders listed in `images`.
 */
export function cleanPage(html: string, baseUrl: URL): CleanPage {
  const dom = new JSDOM(html, { url: baseUrl.href, virtualConsole: new VirtualConsole() });
  try {
    const doc = dom.window.document;
    const base = effectiveBase(doc, baseUrl);
    const meta = collectMetadata(doc, base);
    const docTitle = squash(doc.title);
    const firstHeading = squash(doc.querySelector('h1')?.textContent);

    removeClutter(doc, base);
    fixLazyImages(doc, base);
    // Readability mutates the document as it scores; keep what the fallback needs first.
    const fallbackHtml = doc.body?.innerHTML ?? '';

    let article: ReturnType<Readability['parse']> = null;
    try {
      article = new Readability(doc, { keepClasses: false }).parse();
    } catch {
      article = null; // odd documents can trip it; the cleaned body is still usable
    }
    const content = article?.content && article.content.trim() !== '' ? article.content : fallbackHtml;

    const { first, verify, images } = placeholderPolicies(base);
    const body = sanitizeStable(content, first, verify);
    const used = images.filter((img) => body.includes(`"${img.placeholder}"`));

    const title =
      meta.title ??
      squash(article?.title) ??
      docTitle ??
      firstHeading ??
      baseUrl.hostname;

    const result: CleanPage = { title, html: body, images: used };
    const siteName = meta.siteName ?? squash(article?.siteName, 200);
    if (siteName) result.siteName = siteName;
    if (meta.canonicalUrl) result.canonicalUrl = meta.canonicalUrl;
    const lang = meta.lang ?? (article?.lang && LANG_RE.test(article.lang) ? article.lang : undefined);
    if (lang) result.lang = lang;
    const author = meta.author ?? personName(article?.byline ?? undefined);
    if (author) result.author = author;
    const publishedAt = meta.publishedAt ?? normaliseDate(article?.publishedTime ?? undefined);
    if (publishedAt) result.publishedAt = publishedAt;
    if (meta.licence) result.licence = meta.licence;
    const excerpt = meta.excerpt ?? squash(article?.excerpt, 500);
    if (excerpt) result.excerpt = excerpt;
    if (meta.ogImage) result.ogImage = meta.ogImage;
    if (meta.metaRefresh) result.metaRefresh = meta.metaRefresh;
    return result;
  } finally {
    dom.window.close();
  }
}

