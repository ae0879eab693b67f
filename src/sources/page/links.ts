/**
 * Link handling of page cleaning: which addresses a cleaned page may point at (http(s) and mailto, always
 * absolute), which are our own stored copies, and which are trackers (beacons, never content).
 */

/** http(s) URL resolved against base, or null. Anything else (javascript:, data:, …) is refused. */
export function resolveHttp(value: string, base: URL | string | undefined): URL | null {
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
export function resolveHref(value: string, base: URL | undefined): string | null {
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

/** A URL the caller says points at our own stored copy: same-origin relative, or absolute http(s). */
export function safeLocalUrl(value: string): string | null {
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

/** A link in a document we already made absolute: checked again, never resolved against anything. */
export const absoluteHref = (v: string): string | null => resolveHref(v, undefined);

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

export function isTrackerUrl(u: URL): boolean {
  const host = u.hostname.toLowerCase().replace(/\.$/, '');
  if (TRACKER_HOSTS.some((t) => host === t || host.endsWith(`.${t}`))) return true;
  if (host === 'facebook.com' || host === 'www.facebook.com') return u.pathname.startsWith('/tr');
  // Self-hosted analytics beacons.
  return /(?:^|\/)(?:pixel|beacon|piwik\.php|matomo\.php|__utm\.gif|b\/ss)(?:\/|\.gif|\.png|$)/i.test(u.pathname);
}
