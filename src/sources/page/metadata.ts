/** What a page says about itself (title, site, author, date, licence, picture, refresh), read before cleaning. */
import { isTrackerUrl, resolveHttp } from './links.js';
import { LANG_RE, squash } from './text.js';

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
export function normaliseDate(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const t = s.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return t;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Values that are profile URLs (article:author often is) say nothing to a teacher. */
export function personName(s: string | undefined): string | undefined {
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

/** Everything the page says about itself in its <head>, JSON-LD and markup, read before anything is removed. */
export function collectMetadata(doc: Document, base: URL): PageMeta {
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
export function effectiveBase(doc: Document, baseUrl: URL): URL {
  const href = doc.querySelector('base[href]')?.getAttribute('href');
  return (href ? resolveHttp(href, baseUrl) : null) ?? baseUrl;
}
