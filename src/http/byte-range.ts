/** What a Range header asks of a file of `size` bytes (RFC 9110 §14): the whole file, one range, or nothing it has. */
export type RangeAnswer = { kind: 'whole' } | { kind: 'part'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * One `bytes=` range is served as asked; several ranges, other units or a malformed header get the
 * whole file, which the standard allows and every player handles (they ask for one range at a time).
 */
export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (!header) return { kind: 'whole' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return { kind: 'whole' };
  const [, first, last] = m as unknown as [string, string, string];
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    // A suffix: the last N bytes.
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'part', start, end };
}

/** A file's validators, as the store reports them. */
export interface FileValidators {
  size: number;
  /** Strong ETag, quoted. */
  etag: string;
  /** HTTP date of the last modification. */
  lastModified: string;
}

export interface ConditionalHeaders {
  method: string;
  range?: string;
  ifRange?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
}

export type RangeDecision = { status: 200 } | { status: 206; start: number; end: number } | { status: 304 } | { status: 416 };

/** If-None-Match uses the weak comparison (`W/"x"` matches `"x"`); `*` matches any. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const tags = header.split(',').map((t) => t.trim().replace(/^W\//, ''));
  return tags.includes('*') || tags.includes(opaque(etag));
}

function opaque(etag: string): string {
  return etag.replace(/^W\//, '');
}

/**
 * What to answer a GET or HEAD of an immutable file (RFC 9110 §13): 304 when the client's copy is
 * current, else the range it asks for — only if `If-Range` names exactly this file (a strong ETag or
 * the exact date), else the whole file.
 */
export function decideRange(h: ConditionalHeaders, f: FileValidators): RangeDecision {
  if (h.ifNoneMatch !== undefined) {
    if (etagMatches(h.ifNoneMatch, f.etag)) return { status: 304 };
  } else if (h.ifModifiedSince !== undefined) {
    const since = Date.parse(h.ifModifiedSince);
    if (Number.isFinite(since) && Date.parse(f.lastModified) <= since) return { status: 304 };
  }
  if (h.method !== 'GET' || h.range === undefined) return { status: 200 };
  if (h.ifRange !== undefined) {
    const v = h.ifRange.trim();
    const sameFile = v.startsWith('"') || v.startsWith('W/') ? v === f.etag && !v.startsWith('W/') : v === f.lastModified;
    if (!sameFile) return { status: 200 };
  }
  const asked = parseRange(h.range, f.size);
  if (asked.kind === 'unsatisfiable') return { status: 416 };
  if (asked.kind === 'whole') return { status: 200 };
  return { status: 206, start: asked.start, end: asked.end };
}
