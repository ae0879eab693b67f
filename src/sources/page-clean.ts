/**
 * Turning a fetched web page into a clean, self-contained "vetted copy": the article text and its
 * pictures, without ads, trackers, scripts or anything that could run or phone home. Pure (no
 * network): the caller fetches the HTML and the images, this module only transforms text.
 *
 * Safety does not rest on the clutter heuristics or on Readability (both are about readability,
 * not security). It rests on DOMPurify with a strict allow-list plus our own URL policy hooks, run
 * until the output is a fixed point, and finally on the CSP in the rendered document.
 */
import { JSDOM, VirtualConsole } from 'jsdom';
import { Readability } from '@mozilla/readability';
import createDOMPurify from 'dompurify';
import type { Config, WindowLike } from 'dompurify';

/** What a page says about itself, read before cleaning (everything optional: many pages say little). */
export interface PageMeta {
  title?: string;
  siteName?: string;
  canonicalUrl?: string;
  lang?: string;
  author?: string;
  publishedAt?: string;
  licence?: string;
  excerpt?: string;
  ogImage?: string;
  /** Absolute http(s) URL if the page asked to be replaced by another (meta refresh). */
  metaRefresh?: string;
}

export interface CleanPage extends PageMeta {
  title: string;
  /** Sanitised article body. Image sources are placeholders (see `images`). */
  html: string;
  images: Array<{
    /** Absolute URL resolved against the page base. */
    src: string;
    /** Token used as the img src in `html`; swap for the local copy's URL with `replaceImages`. */
    placeholder: string;
  }>;
}

/** Beyond this many pictures a page is a gallery, not an article; the rest are dropped. */
export const MAX_IMAGES = 30;

const PLACEHOLDER_PREFIX = 'vetted-image:';
const PLACEHOLDER_RE = /^vetted-image:\d+$/;

// ---------------------------------------------------------------------------------------------
// Small text helpers

function squash(s: string | null | undefined, max = 300): string | undefined {
  if (s === null || s === undefined) return undefined;
  const t = s.replace(/\s+/g, ' ').trim();
  if (t === '') return undefined;
  return t.length > max ? `${t.slice(0, max - 1).trimEnd()}…` : t;
}

function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const LANG_RE = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;

/** http(s) URL resolved against base, or null. Anything else (javascript:, data:, …) is refused. */
function resolveHttp(value: string, base: URL | string | undefined): URL | null {
  // Browsers ignore tabs/newlines inside URLs ("java\tscript:"); URL does too, but be explicit.
  const v = value.replace(/[\t\n\r]/g, '').trim();
  if (v === '') return null;
  try {
    const u = base === undefined ? new URL(v) : new URL(v, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

/** Link target policy: http(s) or mailto only, always absolute. */
function resolveHref(value: string, base: URL | undefined): string | null {
  const v = value.replace(/[\t\n\r]/g, '').trim();
  if (/^mailto:/i.test(v)) {
    try {
      return new URL(v).href;
    } catch {
      return null;
    }
  }
  if (v.startsWith('#')) return null; // in-page anchors point at ids we strip anyway
  return resolveHttp(v, base)?.href ?? null;
}

// ---------------------------------------------------------------------------------------------
// Trackers

/** Hosts whose images are beacons, never content. Matched as the host or any subdomain. */
const TRACKER_HOSTS = [
  'google-analytics.com',
  'googletagmanager.com',
  'googlesyndication.com',
  'googleadservices.com',
  'doubleclick.net',
  'adservice.google.com',
  'scorecardresearch.com',
  'quantserve.com',
  'bat.bing.com',
  'pixel.wp.com',
  'stats.wp.com',
  'amazon-adsystem.com',
  'omtrdc.net',
  '2o7.net',
  'hotjar.com',
  'mc.yandex.ru',
  'criteo.com',
  'criteo.net',
  'taboola.com',
  'outbrain.com',
  'ads.linkedin.com',
  'px.ads.linkedin.com',
  'ct.pinterest.com',
  'analytics.twitter.com',
  't.co',
  'adsrvr.org',
  'rubiconproject.com',
  'pubmatic.com',
  'moatads.com',
  'chartbeat.net',
  'newrelic.com',
  'nr-data.net',
  'sentry.io',
  'mixpanel.com',
  'segment.io',
  'segment.com',
  'parsely.com',
  'addthis.com',
  'sharethis.com',
];

function isTrackerUrl(u: URL): boolean {
  const host = u.hostname.toLowerCase().replace(/\.$/, '');
  if (TRACKER_HOSTS.some((t) => host === t || host.endsWith(`.${t}`))) return true;
  if (host === 'facebook.com' || host === 'www.facebook.com') return u.pathname.startsWith('/tr');
  // Self-hosted analytics beacons.
  return /(?:^|\/)(?:pixel|beacon|piwik\.php|matomo\.php|__utm\.gif|b\/ss)(?:\/|\.gif|\.png|$)/i.test(u.pathname);
}

// ---------------------------------------------------------------------------------------------
// Sanitiser: one shared DOMPurify instance (building one per call costs a jsdom window). Its hooks
// read `activePolicy`, which is set only for the duration of a synchronous sanitize() call, so
// calls cannot interleave.

interface UrlPolicy {
  href(value: string): string | null;
  imgSrc(value: string): string | null;
}

let activePolicy: UrlPolicy | null = null;

const ALLOWED_TAGS = [
  'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'blockquote', 'pre', 'code', 'em', 'strong',
  'b', 'i', 'u', 's', 'sub', 'sup', 'br', 'hr', 'figure', 'figcaption', 'table', 'thead', 'tbody', 'tr',
  'th', 'td', 'caption', 'img', 'a', 'span', 'div', 'dl', 'dt', 'dd', 'abbr', 'time', 'mark', 'small',
];

const ALLOWED_ATTR = [
  'href', 'src', 'alt', 'width', 'height', 'title', 'colspan', 'rowspan', 'datetime', 'lang', 'dir',
  // rel is never taken from the input (the hook drops it) but must be allowed so our own value,
  // added after sanitising, survives the re-sanitising pass.
  'rel',
];

/** Attributes that are only meaningful on some elements. */
const ATTR_ONLY_ON: Record<string, ReadonlySet<string>> = {
  href: new Set(['a']),
  src: new Set(['img']),
  alt: new Set(['img']),
  width: new Set(['img']),
  height: new Set(['img']),
  colspan: new Set(['td', 'th']),
  rowspan: new Set(['td', 'th']),
  datetime: new Set(['time']),
  rel: new Set(['a']),
};

const PURIFY_CONFIG: Config = {
  ALLOWED_TAGS,
  ALLOWED_ATTR,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
  // Our hooks already rewrote every href/src to an absolute http(s)/mailto URL, a placeholder or
  // a local path; this is the belt to those braces.
  ALLOWED_URI_REGEXP: /^(?:(?:https?|mailto|vetted-image):|[^:]*$|[^:/?#]*[/?#])/i,
  // Non-URL attributes must not be judged by the URI regexp above.
  ADD_URI_SAFE_ATTR: ['width', 'height', 'colspan', 'rowspan', 'datetime', 'lang', 'dir', 'rel'],
  FORBID_TAGS: ['style', 'script', 'svg', 'math', 'iframe', 'form', 'object', 'embed', 'template', 'noscript'],
  // Elements whose text is not article text (button labels, option lists, fallback content).
  ADD_FORBID_CONTENTS: [
    'button', 'select', 'option', 'optgroup', 'textarea', 'object', 'embed', 'applet', 'frameset',
    'frame', 'canvas', 'dialog', 'datalist', 'map',
  ],
  KEEP_CONTENT: true,
  WHOLE_DOCUMENT: false,
  SAFE_FOR_XML: true,
};

const purifyWindow = new JSDOM('', { virtualConsole: new VirtualConsole() }).window;
const purify = createDOMPurify(purifyWindow as unknown as WindowLike);

purify.addHook('uponSanitizeAttribute', (node, data) => {
  const policy = activePolicy;
  const tag = node.nodeName.toLowerCase();
  const name = data.attrName;
  const only = ATTR_ONLY_ON[name];
  if (!policy || (only && !only.has(tag)) || name === 'rel') {
    data.keepAttr = false;
    return;
  }
  const value = data.attrValue;
  let next: string | null = value;
  switch (name) {
    case 'href':
      next = policy.href(value);
      break;
    case 'src':
      next = policy.imgSrc(value);
      break;
    case 'width':
    case 'height':
    case 'colspan':
    case 'rowspan':
      next = /^\d{1,4}$/.test(value) ? value : null;
      break;
    case 'dir':
      next = /^(?:ltr|rtl|auto)$/i.test(value) ? value.toLowerCase() : null;
      break;
    case 'lang':
      next = LANG_RE.test(value) ? value : null;
      break;
    case 'datetime':
      next = /^[\w:.+\- ]{1,64}$/.test(value) ? value : null;
      break;
    case 'title':
    case 'alt':
      // Markup-looking text in attributes is the raw material of mutation-XSS; the words are
      // still readable without angle brackets.
      next = value.replace(/[<>]/g, '').slice(0, 500);
      break;
    default:
      return; // DOMPurify's allow-list decides (everything else is dropped).
  }
  if (next === null) data.keepAttr = false;
  else data.attrValue = next;
});

purify.addHook('afterSanitizeAttributes', (node) => {
  const el = node as Element;
  const tag = el.nodeName.toLowerCase();
  if (tag === 'a' && el.hasAttribute('href')) {
    // The copy is shown to a teacher; a link out must not hand the source our page or window.
    el.setAttribute('rel', 'noopener noreferrer nofollow');
  }
  if (tag === 'img' && !el.hasAttribute('src')) {
    // An image we won't load is just a broken box; DOMPurify ≥3.4 treats a detached node as removed.
    el.remove();
  }
});

function sanitizeWith(html: string, policy: UrlPolicy): string {
  activePolicy = policy;
  try {
    return purify.sanitize(html, PURIFY_CONFIG);
  } finally {
    activePolicy = null;
  }
}

/**
 * Sanitise with `first`, then keep re-sanitising with `verify` until the output no longer changes.
 * A second pass sees exactly what a browser would parse from our serialised output, so anything
 * that mutates on re-parse (mXSS) is caught and removed.
 */
function sanitizeStable(html: string, first: UrlPolicy, verify: UrlPolicy): string {
  let out = sanitizeWith(html, first);
  for (let i = 0; i < 4; i++) {
    const again = sanitizeWith(out, verify);
    if (again === out) return out;
    out = again;
  }
  // Still changing after several passes: something adversarial. Give up on markup, keep the words.
  const div = purifyWindow.document.createElement('div');
  div.innerHTML = out;
  return escapeHtml(div.textContent ?? '');
}

/** A URL the caller says points at our own stored copy: same-origin relative, or absolute http(s). */
function safeLocalUrl(value: string): string | null {
  const v = value.trim();
  if (v === '' || /[\s\\]/.test(v) || v.startsWith('//')) return null;
  try {
    const probe = new URL(v, 'http://vetted.invalid/base/');
    if (probe.protocol !== 'http:' && probe.protocol !== 'https:') return null;
    return v;
  } catch {
    return null;
  }
}

const absoluteHref = (v: string): string | null => resolveHref(v, undefined);

// ---------------------------------------------------------------------------------------------
// Character sets

/** The WHATWG name for a label, or undefined when TextDecoder doesn't know it. */
function encodingFor(label: string | undefined): string | undefined {
  if (!label) return undefined;
  try {
    return new TextDecoder(label.trim().replace(/^["']|["']$/g, '')).encoding;
  } catch {
    return undefined;
  }
}

function bomEncoding(b: Buffer): string | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return 'utf-8';
  if (b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  if (b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  return undefined;
}

function charsetParam(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*("([^"]*)"|[^;\s]+)/i.exec(contentType ?? '');
  return m ? (m[2] ?? m[1]) : undefined;
}

function metaCharset(b: Buffer): string | undefined {
  // Every charset a page can declare in <meta> is ASCII-compatible, so latin1 reads it faithfully.
  const head = b.subarray(0, 2048).toString('latin1');
  // Covers <meta charset=x> and <meta http-equiv="Content-Type" content="text/html; charset=x">.
  const m = /<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head);
  const enc = encodingFor(m?.[1]);
  // A page that declares UTF-16 in ASCII-readable markup cannot be UTF-16 (the HTML spec says
  // to treat it as UTF-8).
  return enc?.startsWith('utf-16') ? 'utf-8' : enc;
}

/**
 * Bytes → text the way a browser would: a byte-order mark wins (it is unambiguous, and browsers
 * give it precedence even over the header), then the Content-Type charset, then a <meta>
 * declaration in the first 2 KB, else UTF-8. Unknown labels are skipped, ending at UTF-8.
 */
export function decodeHtml(body: Buffer, contentType: string | undefined): string {
  const encoding =
    bomEncoding(body) ?? encodingFor(charsetParam(contentType)) ?? metaCharset(body) ?? 'utf-8';
  if (encoding === 'windows-1252') return decodeWindows1252(body);
  // TextDecoder drops a BOM that matches the encoding; fatal:false maps bad bytes to U+FFFD.
  return new TextDecoder(encoding).decode(body);
}

/** WHATWG windows-1252 code points for bytes 0x80–0x9F; every other byte maps to itself. */
const WINDOWS_1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/**
 * Node ≥20.18.3 decodes 'windows-1252' (and so every latin1/ascii label) as plain ISO-8859-1,
 * turning € and curly quotes into C1 controls (nodejs/node#60888), so this one is done by hand.
 */
function decodeWindows1252(body: Buffer): string {
  return body.toString('latin1').replace(/[\u0080-\u009f]/g, (c) => String.fromCharCode(WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80]!));
}

// ---------------------------------------------------------------------------------------------
// Metadata

function metaContent(doc: Document, ...keys: string[]): string | undefined {
  const wanted = new Set(keys.map((k) => k.toLowerCase()));
  for (const m of doc.querySelectorAll('meta')) {
    const key = (m.getAttribute('property') ?? m.getAttribute('name') ?? m.getAttribute('itemprop') ?? '').toLowerCase();
    if (!wanted.has(key)) continue;
    const v = squash(m.getAttribute('content'));
    if (v) return v;
  }
  return undefined;
}

function linkHref(doc: Document, rel: string, base: URL): string | undefined {
  for (const l of doc.querySelectorAll('link[rel], a[rel]')) {
    const rels = (l.getAttribute('rel') ?? '').toLowerCase().split(/\s+/);
    if (!rels.includes(rel)) continue;
    const u = resolveHttp(l.getAttribute('href') ?? '', base);
    if (u) return u.href;
  }
  return undefined;
}

/** Dates as given when already a plain date, else normalised to ISO 8601; nonsense is dropped. */
function normaliseDate(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const t = s.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return t;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Values that are profile URLs (article:author often is) say nothing to a teacher. */
function personName(s: string | undefined): string | undefined {
  if (!s || /^https?:\/\//i.test(s)) return undefined;
  return squash(s, 200);
}

interface JsonLdFacts {
  headline?: string;
  author?: string;
  datePublished?: string;
  license?: string;
  publisher?: string;
}

/** Article facts from JSON-LD, read before scripts are removed (Readability would miss them). */
function jsonLdFacts(doc: Document): JsonLdFacts {
  const facts: JsonLdFacts = {};
  const nameOf = (v: unknown): string | undefined => {
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return v.map(nameOf).filter(Boolean).join(', ') || undefined;
    if (v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string') {
      return (v as { name: string }).name;
    }
    return undefined;
  };
  const visit = (node: unknown, depth: number): void => {
    if (depth > 4 || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n, depth + 1);
      return;
    }
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['@graph'])) visit(o['@graph'], depth + 1);
    const type = o['@type'];
    const types = (Array.isArray(type) ? type : [type]).filter((t): t is string => typeof t === 'string');
    if (!types.some((t) => /Article|BlogPosting|NewsArticle|WebPage|CreativeWork|Report/i.test(t))) return;
    facts.headline ??= typeof o.headline === 'string' ? o.headline : undefined;
    facts.author ??= nameOf(o.author);
    facts.datePublished ??= typeof o.datePublished === 'string' ? o.datePublished : undefined;
    facts.license ??= typeof o.license === 'string' ? o.license : undefined;
    facts.publisher ??= nameOf(o.publisher);
  };
  for (const s of doc.querySelectorAll('script[type="application/ld+json"]')) {
    try {
      visit(JSON.parse(s.textContent ?? ''), 0);
    } catch {
      // Broken JSON-LD is common; it only ever adds to the meta tags.
    }
  }
  return facts;
}

function collectMetadata(doc: Document, base: URL): PageMeta {
  const ld = jsonLdFacts(doc);
  const meta: PageMeta = {};

  meta.title = squash(metaContent(doc, 'og:title', 'twitter:title') ?? ld.headline);
  meta.siteName = squash(metaContent(doc, 'og:site_name', 'application-name') ?? ld.publisher, 200);

  meta.canonicalUrl = linkHref(doc, 'canonical', base) ?? resolveHttp(metaContent(doc, 'og:url') ?? '', base)?.href;

  const lang =
    doc.documentElement.getAttribute('lang') ??
    doc.documentElement.getAttribute('xml:lang') ??
    doc.querySelector('meta[http-equiv="content-language" i]')?.getAttribute('content') ??
    metaContent(doc, 'og:locale')?.replace('_', '-');
  meta.lang = lang && LANG_RE.test(lang.trim()) ? lang.trim() : undefined;

  meta.author =
    personName(metaContent(doc, 'author', 'article:author', 'byl', 'dc.creator', 'dcterms.creator')) ??
    personName(ld.author) ??
    personName(doc.querySelector('[rel~="author"], [itemprop="author"]')?.textContent ?? undefined);

  meta.publishedAt = normaliseDate(
    metaContent(
      doc,
      'article:published_time',
      'datepublished',
      'date',
      'pubdate',
      'publishdate',
      'dc.date',
      'dcterms.date',
      'dcterms.created',
    ) ??
      ld.datePublished ??
      doc.querySelector('time[datetime]')?.getAttribute('datetime') ??
      undefined,
  );

  meta.licence =
    linkHref(doc, 'license', base) ??
    squash(metaContent(doc, 'license', 'dc.rights', 'dcterms.license', 'dcterms.rights', 'copyright'), 200) ??
    (ld.license ? (resolveHttp(ld.license, base)?.href ?? squash(ld.license, 200)) : undefined);

  meta.excerpt = squash(metaContent(doc, 'og:description', 'description', 'twitter:description'), 500);

  for (const key of ['og:image:secure_url', 'og:image', 'og:image:url', 'twitter:image', 'twitter:image:src']) {
    const u = resolveHttp(metaContent(doc, key) ?? '', base);
    if (u && !isTrackerUrl(u)) {
      meta.ogImage = u.href;
      break;
    }
  }

  for (const m of doc.querySelectorAll('meta[http-equiv]')) {
    if ((m.getAttribute('http-equiv') ?? '').trim().toLowerCase() !== 'refresh') continue;
    // "5; url='https://…'" — delay, separator, optional "url=", optionally quoted target.
    const target = /^\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?(.*)$/i.exec(m.getAttribute('content') ?? '')?.[1];
    const u = resolveHttp((target ?? '').trim().replace(/^["']|["']$/g, ''), base);
    if (u) {
      meta.metaRefresh = u.href;
      break;
    }
  }
  return meta;
}

/** The page's <base href> when it is a usable http(s) URL, else the URL we fetched. */
function effectiveBase(doc: Document, baseUrl: URL): URL {
  const href = doc.querySelector('base[href]')?.getAttribute('href');
  return (href ? resolveHttp(href, baseUrl) : null) ?? baseUrl;
}

// ---------------------------------------------------------------------------------------------
// Clutter

/** Never article content, and in several cases dangerous; removed wherever they are. */
const ALWAYS_REMOVE =
  'script, noscript, template, iframe, frame, frameset, object, embed, applet, svg, math, canvas, ' +
  'dialog, button, input, select, textarea, style, link, meta, base';

/** Page furniture; removed unless a badly built site wrapped its whole article in one. */
const STRUCTURAL = 'aside, nav, footer, form';

const CLUTTER_WORD =
  /^(?:ads?|adv|advert\w*|ad(?:slot|unit|box|wrap\w*|container|banner|zone|space|block|sense|sbygoogle|choices|label)s?|sponsor\w*|promo\w*|cookie\w*|consent\w*|gdpr\w*|banners?|newsletter\w*|related\w*|recommend\w*|suggest\w*|comments?|commentlist|commentform|disqus\w*|share|shares|sharing|sharebar|sharethis|sharedaddy|addtoany|social\w*|popup\w*|popover|modals?|subscribe|taboola\w*|outbrain\w*)$/;

const CLUTTER_PHRASES = ['you may also like', 'you might also like', 'more stories', 'read next', 'around the web'];

const CLUTTER_ROLES = new Set(['banner', 'navigation', 'complementary', 'contentinfo', 'dialog', 'alertdialog', 'search']);

const CLUTTER_HEADING =
  /^(?:you (?:may|might) also like|related(?: articles| posts| stories| content| links)?|recommended(?: for you)?|more (?:stories|from \w+|like this)|read (?:next|more)|comments?|\d+ comments?|leave a (?:comment|reply)|share(?: this)?(?: article| post| page)?|advertisement|sponsored(?: content)?)$/i;

function words(s: string): string[] {
  return s
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

function looksLikeClutter(el: Element): boolean {
  const role = (el.getAttribute('role') ?? '').toLowerCase().trim();
  if (role && role.split(/\s+/).some((r) => CLUTTER_ROLES.has(r))) return true;
  for (const attr of ['id', 'class', 'aria-label']) {
    const v = el.getAttribute(attr);
    if (!v) continue;
    const ws = words(v);
    if (ws.some((w) => CLUTTER_WORD.test(w))) return true;
    const joined = ` ${ws.join(' ')} `;
    if (CLUTTER_PHRASES.some((p) => joined.includes(` ${p} `) || joined.includes(p.replace(/ /g, '')))) return true;
  }
  return false;
}

function isPixel(img: Element, base: URL): boolean {
  const tiny = (a: string): boolean => {
    const v = img.getAttribute(a);
    return v !== null && /^\s*\d+/.test(v) && Number.parseInt(v, 10) <= 2;
  };
  if (tiny('width') || tiny('height')) return true;
  const style = img.getAttribute('style') ?? '';
  if (/(?:^|[;\s])(?:width|height)\s*:\s*[0-2](?:\.\d+)?px/i.test(style)) return true;
  const u = resolveHttp(img.getAttribute('src') ?? '', base);
  return u !== null && isTrackerUrl(u);
}

/**
 * Take the obvious non-article parts out before Readability scores the page; its heuristics do
 * better without cookie walls and "related" link farms, and the fallback path depends on it.
 */
function removeClutter(doc: Document, base: URL): void {
  for (const el of doc.querySelectorAll(ALWAYS_REMOVE)) {
    // head keeps its meta/link (already read); only strip them from the body.
    if (el.closest('head') && /^(?:meta|link|style|base)$/i.test(el.nodeName)) continue;
    el.remove();
  }
  const body = doc.body;
  if (!body) return;

  const totalText = (body.textContent ?? '').replace(/\s+/g, ' ').length;
  /** Guard against sites whose page wrapper carries a class like "has-ads" or is a <form>. */
  const loadBearing = (el: Element): boolean => {
    if (el.matches('main, [role="main"]') || el.querySelector('main, [role="main"]')) return true;
    const len = (el.textContent ?? '').replace(/\s+/g, ' ').length;
    return len > 500 && len > totalText * 0.5;
  };
  const unwrap = (el: Element): void => {
    el.replaceWith(...Array.from(el.childNodes));
  };

  for (const el of body.querySelectorAll('[hidden], [style]')) {
    if (el.hasAttribute('hidden') || /(?:display\s*:\s*none|visibility\s*:\s*hidden)/i.test(el.getAttribute('style') ?? '')) {
      if (el.isConnected) el.remove();
    }
  }

  for (const el of body.querySelectorAll(STRUCTURAL)) {
    if (!el.isConnected) continue;
    if (loadBearing(el)) unwrap(el);
    else el.remove();
  }

  for (const el of body.querySelectorAll('[id], [class], [aria-label], [role]')) {
    if (!el.isConnected || !looksLikeClutter(el) || loadBearing(el)) continue;
    el.remove();
  }

  for (const h of body.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    if (!h.isConnected || !CLUTTER_HEADING.test((h.textContent ?? '').replace(/\s+/g, ' ').trim())) continue;
    const box = h.parentElement;
    if (box && box !== body && box.firstElementChild === h && /^(?:section|div|aside)$/i.test(box.nodeName) && !loadBearing(box)) {
      box.remove();
    } else {
      h.remove();
    }
  }

  for (const img of body.querySelectorAll('img')) {
    if (isPixel(img, base)) img.remove();
  }
}

/** Lazy-loading sites leave the real address in data-src/srcset; promote it to src. */
function fixLazyImages(doc: Document, base: URL): void {
  for (const img of doc.querySelectorAll('img')) {
    if (resolveHttp(img.getAttribute('src') ?? '', base)) continue;
    const candidate =
      img.getAttribute('data-src') ??
      img.getAttribute('data-lazy-src') ??
      img.getAttribute('data-original') ??
      (img.getAttribute('srcset') ?? img.getAttribute('data-srcset') ?? '').split(',')[0]?.trim().split(/\s+/)[0];
    const u = candidate ? resolveHttp(candidate, base) : null;
    if (u) img.setAttribute('src', u.href);
  }
}

// ---------------------------------------------------------------------------------------------
// Public API

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

    const images: CleanPage['images'] = [];
    const placeholderBySrc = new Map<string, string>();
    const issued = new Set<string>();
    const first: UrlPolicy = {
      href: (v) => resolveHref(v, base),
      imgSrc: (v) => {
        const u = resolveHttp(v, base);
        if (!u || isTrackerUrl(u)) return null;
        u.hash = '';
        const known = placeholderBySrc.get(u.href);
        if (known) return known;
        if (images.length >= MAX_IMAGES) return null;
        const placeholder = `${PLACEHOLDER_PREFIX}${images.length}`;
        images.push({ src: u.href, placeholder });
        placeholderBySrc.set(u.href, placeholder);
        issued.add(placeholder);
        return placeholder;
      },
    };
    // The re-sanitising passes accept exactly the placeholders the first pass issued; a page that
    // itself contains "vetted-image:…" sources was refused by the first pass (not http(s)).
    const verify: UrlPolicy = {
      href: absoluteHref,
      imgSrc: (v) => (issued.has(v) ? v : null),
    };
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

/**
 * Swap image placeholders for the URLs of our stored copies; `null` (fetch failed) removes the
 * image. Done through the sanitiser's attribute hook, never by string replacement, and the result
 * is re-sanitised. Placeholders missing from the map are removed too: they could never load.
 */
export function replaceImages(html: string, map: Map<string, string | null>): string {
  const accepted = new Set<string>();
  const first: UrlPolicy = {
    href: absoluteHref,
    imgSrc: (v) => {
      if (!PLACEHOLDER_RE.test(v)) return null;
      const local = map.get(v);
      const safe = local ? safeLocalUrl(local) : null;
      if (safe) accepted.add(safe);
      return safe;
    },
  };
  const verify: UrlPolicy = {
    href: absoluteHref,
    imgSrc: (v) => (accepted.has(v) ? v : null),
  };
  return sanitizeStable(html, first, verify);
}

const CC_NAMES: Record<string, string> = {
  by: 'CC BY',
  'by-sa': 'CC BY-SA',
  'by-nd': 'CC BY-ND',
  'by-nc': 'CC BY-NC',
  'by-nc-sa': 'CC BY-NC-SA',
  'by-nc-nd': 'CC BY-NC-ND',
};

/** "https://creativecommons.org/licenses/by-sa/4.0/" → "CC BY-SA 4.0"; other values unchanged. */
function licenceLabel(licence: string): string {
  const m = /creativecommons\.org\/(?:licenses\/([a-z-]+)\/([\d.]+)|publicdomain\/(zero|mark)\/([\d.]+))/i.exec(licence);
  if (!m) return licence;
  if (m[3]) return m[3].toLowerCase() === 'zero' ? `CC0 ${m[4]}` : `Public Domain Mark ${m[4]}`;
  const name = CC_NAMES[(m[1] ?? '').toLowerCase()];
  return name ? `${name} ${m[2]}` : licence;
}

function formatDate(s: string): string | undefined {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
  if (Number.isNaN(d.getTime())) return undefined;
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

const READER_CSS = `
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:#fffdf8;color:#1f2328;font:1.25rem/1.7 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;-webkit-text-size-adjust:100%}
.wrap{max-width:40rem;margin:0 auto;padding:1.5rem 1.25rem 4rem}
header{border-bottom:2px solid #eee3cf;margin-bottom:1.75rem;padding-bottom:1rem}
header h1{font-size:2rem;line-height:1.25;margin:.25rem 0 .5rem}
.site{font-weight:600;color:#7a4b00;margin:0;font-size:1rem;text-transform:uppercase;letter-spacing:.04em}
.meta{color:#57606a;font-size:1rem;margin:.25rem 0}
.source{overflow-wrap:anywhere}
main h1,main h2,main h3{line-height:1.3;margin:2rem 0 .75rem}
main h1{font-size:1.75rem}main h2{font-size:1.5rem}main h3{font-size:1.3rem}
p,ul,ol,dl,blockquote,pre,table,figure{margin:0 0 1.25rem}
img{max-width:100%;height:auto;border-radius:.5rem}
figure{margin-left:0;margin-right:0}
figcaption{font-size:1rem;color:#57606a;margin-top:.4rem}
a{color:#0b5cad;text-underline-offset:.15em}
blockquote{border-left:4px solid #eee3cf;margin-left:0;padding-left:1rem;color:#444}
pre,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
pre{white-space:pre-wrap;background:#f6f3ec;padding:.75rem;border-radius:.4rem}
table{border-collapse:collapse;width:100%;font-size:1rem;display:block;overflow-x:auto}
th,td{border:1px solid #ddd3c0;padding:.4rem .6rem;text-align:left;vertical-align:top}
hr{border:0;border-top:2px solid #eee3cf;margin:2rem 0}
`.trim();

/**
 * The reader view: one self-contained HTML document. The CSP forbids every script and every
 * network request except images from our own origin, so even a sanitiser miss cannot run or leak.
 */
export function renderPageDocument(page: CleanPage & { sourceUrl: string }, bodyHtml: string): string {
  // Re-sanitise: the caller's body may have come through storage; only our own images may load.
  const body = sanitizeStable(
    bodyHtml,
    { href: absoluteHref, imgSrc: (v) => (PLACEHOLDER_RE.test(v) ? null : safeLocalUrl(v)) },
    { href: absoluteHref, imgSrc: (v) => (PLACEHOLDER_RE.test(v) ? null : safeLocalUrl(v)) },
  );
  const lang = page.lang && LANG_RE.test(page.lang) ? page.lang : undefined;
  const date = page.publishedAt ? formatDate(page.publishedAt) : undefined;

  const byline: string[] = [];
  if (page.author) byline.push(`By ${escapeHtml(page.author)}`);
  if (date && page.publishedAt) byline.push(`<time datetime="${escapeHtml(page.publishedAt)}">${escapeHtml(date)}</time>`);

  const header = [
    page.siteName ? `<p class="site">${escapeHtml(page.siteName)}</p>` : '',
    `<h1>${escapeHtml(page.title)}</h1>`,
    byline.length ? `<p class="meta">${byline.join(' · ')}</p>` : '',
    `<p class="meta source">Source: ${escapeHtml(page.sourceUrl)}</p>`,
    page.licence ? `<p class="meta licence">Licence: ${escapeHtml(licenceLabel(page.licence))}</p>` : '',
  ]
    .filter((s) => s !== '')
    .join('\n');

  return `<!doctype html>
<html${lang ? ` lang="${escapeHtml(lang)}"` : ''}>
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>${READER_CSS}</style>
</head>
<body>
<div class="wrap">
<header>
${header}
</header>
<main>
${body}
</main>
</div>
</body>
</html>
`;
}
