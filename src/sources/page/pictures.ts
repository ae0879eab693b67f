/**
 * Picture localisation: a cleaned page never loads a picture from elsewhere. Cleaning replaces each picture's address
 * with a placeholder (`vetted-image:<n>`) and lists the originals; the web-page source fetches and re-encodes them;
 * `replaceImages` then puts the stored copies' URLs in, through the sanitiser, never by string replacement.
 */
import { absoluteHref, isTrackerUrl, resolveHref, resolveHttp, safeLocalUrl } from './links.js';
import { sanitizeStable, type UrlPolicy } from './sanitise.js';

/** Beyond this many pictures a page is a gallery, not an article; the rest are dropped. */
export const MAX_IMAGES = 30;

const PLACEHOLDER_PREFIX = 'vetted-image:';
const PLACEHOLDER_RE = /^vetted-image:\d+$/;

export interface PagePicture {
  /** Absolute URL resolved against the page base. */
  src: string;
  /** Token used as the img src in the cleaned html; swap for the local copy's URL with `replaceImages`. */
  placeholder: string;
}

/**
 * The policies for cleaning a page found at `base`: the first pass resolves links and issues a placeholder per
 * picture (trackers and pictures beyond MAX_IMAGES dropped); the re-sanitising passes accept exactly the placeholders
 * the first pass issued (a page that itself contains "vetted-image:…" sources was refused by the first pass, not
 * being http(s)). `images` fills as the first pass runs.
 */
export function placeholderPolicies(base: URL): { first: UrlPolicy; verify: UrlPolicy; images: PagePicture[] } {
  const images: PagePicture[] = [];
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
  const verify: UrlPolicy = {
    href: absoluteHref,
    imgSrc: (v) => (issued.has(v) ? v : null),
  };
  return { first, verify, images };
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

/** For a body that may have come through storage: only our own stored pictures may load, never a placeholder. */
export const storedPicturesOnly: UrlPolicy = {
  href: absoluteHref,
  imgSrc: (v) => (PLACEHOLDER_RE.test(v) ? null : safeLocalUrl(v)),
};
