/** A fetched page's bytes turned into text the way a browser would (byte-order mark, header, <meta>, UTF-8). */

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
