/**
 * The sanitising policy: what survives of a page's markup. Safety does not rest on the clutter heuristics or on
 * Readability (both are about readability, not security). It rests on DOMPurify with a strict allow-list plus our own
 * URL policy hooks (`UrlPolicy`), run until the output is a fixed point, and finally on the CSP in the rendered
 * document (reader.ts).
 */
import { JSDOM, VirtualConsole } from 'jsdom';
import createDOMPurify from 'dompurify';
import type { Config, WindowLike } from 'dompurify';
import { escapeHtml, LANG_RE } from './text.js';

// Sanitiser: one shared DOMPurify instance (building one per call costs a jsdom window). Its hooks
// read `activePolicy`, which is set only for the duration of a synchronous sanitize() call, so
// calls cannot interleave.

/** Where a cleaned document's links and pictures may point; each pass of the sanitiser gets one. */
export interface UrlPolicy {
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
export function sanitizeStable(html: string, first: UrlPolicy, verify: UrlPolicy): string {
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

