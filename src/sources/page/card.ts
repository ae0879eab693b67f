/**
 * The picture a web page gets on the board when it offers none of its own (no og:image and no
 * usable content image): a plain card with the site's name and the page title.
 *
 * The SVG is built from text we do not control (a page's <title>), so everything interpolated is
 * XML-escaped, characters XML cannot carry are dropped, and the document has no script, no links,
 * no external fonts or images: opened on its own in a browser it can run or fetch nothing.
 */

const WIDTH = 1280;
const HEIGHT = 720;

/** Background/foreground pairs with good contrast; the site name picks one so a site keeps its colour. */
const PALETTE: ReadonlyArray<readonly [string, string]> = [
  ['#1d4e89', '#ffffff'],
  ['#2e6f40', '#ffffff'],
  ['#7a3b69', '#ffffff'],
  ['#8a4b08', '#ffffff'],
  ['#264653', '#ffffff'],
  ['#5b3f8c', '#ffffff'],
  ['#fff3d6', '#3b2a00'],
  ['#e3f1fb', '#0b2f4f'],
];

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/**
 * Text safe to place inside an SVG element: whitespace squashed, characters that are illegal in
 * XML 1.0 (C0 controls, lone surrogates, U+FFFE/FFFF) removed — one of those would make the whole
 * file unreadable — and markup characters escaped.
 */
function xmlText(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Cuts to at most `max` characters (code points, so emoji are not split), ending with an ellipsis. */
function clip(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/**
 * SVG text does not wrap by itself, so the title is broken into lines here by character count —
 * an estimate (no font metrics), generous enough for wide letters at this size.
 */
function wrap(text: string, perLine: number, maxLines: number): string[] {
  const len = (s: string): number => Array.from(s).length;
  const words = text.split(' ').filter((w) => w !== '');
  const lines: string[] = [];
  let current = '';
  let i = 0;
  for (; i < words.length; i++) {
    const word = words[i]!;
    const candidate = current ? `${current} ${word}` : word;
    if (len(candidate) <= perLine) {
      current = candidate;
      continue;
    }
    if (current) {
      lines.push(current);
      current = '';
      if (lines.length === maxLines) break;
    }
    // A single word longer than a line (a URL, a long compound) is cut rather than overflowing.
    current = len(word) > perLine ? clip(word, perLine) : word;
  }
  if (current) lines.push(current);
  if (i < words.length) {
    // Ran out of lines: say so on the last one.
    const last = lines.length - 1;
    lines[last] = clip(`${lines[last]} …`, perLine);
  }
  return lines;
}

/** A 1280×720 card: site name large, page title below. Self-contained SVG, safe to serve as an image. */
export function renderCardSvg(siteName: string, title: string): string {
  const site = clip(siteName.replace(/\s+/g, ' ').trim() || 'Web page', 40);
  const heading = title.replace(/\s+/g, ' ').trim();
  const [bg, fg] = PALETTE[hash(site.toLowerCase()) % PALETTE.length]!;
  const siteSize = Array.from(site).length > 24 ? 64 : 88;
  const titleLines = heading && heading !== site ? wrap(heading, 38, 3) : [];

  const titleText = titleLines
    .map((line, i) => `<tspan x="96" dy="${i === 0 ? 0 : 64}">${xmlText(line)}</tspan>`)
    .join('');

  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img">
<title>${xmlText(clip(titleLines.length ? `${site}: ${heading}` : site, 300))}</title>
<rect width="${WIDTH}" height="${HEIGHT}" fill="${bg}"/>
<rect x="96" y="150" width="120" height="12" rx="6" fill="${fg}" opacity="0.6"/>
<text x="96" y="${titleLines.length ? 280 : 400}" fill="${fg}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" font-size="${siteSize}" font-weight="700">${xmlText(site)}</text>
${titleLines.length ? `<text x="96" y="400" fill="${fg}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" font-size="52" opacity="0.92">${titleText}</text>\n` : ''}</svg>
`;
}
