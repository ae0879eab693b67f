/** The reader view: the cleaned page as one self-contained HTML document, with a header saying where it came from. */
import type { CleanPage } from './clean.js';
import { storedPicturesOnly } from './pictures.js';
import { sanitizeStable } from './sanitise.js';
import { escapeHtml, LANG_RE } from './text.js';

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
    storedPicturesOnly,
    storedPicturesOnly,
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
