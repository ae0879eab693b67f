/**
 * Taking a page's furniture out before Readability scores it: scripts and frames, navigation, cookie walls, "related"
 * link farms, share bars, tracking pixels; and lazy-loaded pictures given their real address. Heuristics for
 * readability, not safety (sanitise.ts is the safety).
 */
import { isTrackerUrl, resolveHttp } from './links.js';

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
export function removeClutter(doc: Document, base: URL): void {
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
export function fixLazyImages(doc: Document, base: URL): void {
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
