/**
 * What to answer a GET or HEAD of an immutable file, from its validators and the request's
 * conditional and Range headers (RFC 9110 §13–14). Pure, so every edge is unit-tested.
 *
 * One range at most: a request for several (rare from players, and a known way to make a server
 * do much work for little) is answered with the whole file, which the RFC allows.
 */
export interface FileValidators {
  size: number;
  /** Strong ETag, quoted. */
  etag: string;
  /** HTTP date of the last modification (whole seconds). */
  lastModified: string;
}

export interface ConditionalHeaders {
  method: string;
  range?: string;
  ifRange?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
}

export type RangeDecision =
  | { status: 200 }
  | { status: 206; start: number; end: number }
  | { status: 304 }
  | { status: 416 };

/** nginx's form (`"<mtime hex>-<size hex>"`), so a file has the same ETag served by Vetted or by nginx. */
export function fileEtag(size: number, modified: Date): string {
  return `"${Math.floor(modified.getTime() / 1000).toString(16)}-${size.toString(16)}"`;
}

function opaque(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}

/** If-None-Match uses the weak comparison: `W/"x"` matches `"x"`. */
function noneMatchHits(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => opaque(t) === etag);
}

export function decideRange(h: ConditionalHeaders, f: FileValidators): RangeDecision {
  if (h.ifNoneMatch !== undefined) {
    if (noneMatchHits(h.ifNoneMatch, f.etag)) return { status: 304 };
  } else if (h.ifModifiedSince !== undefined) {
    const since = Date.parse(h.ifModifiedSince);
    if (Number.isFinite(since) && Date.parse(f.lastModified) <= since) return { status: 304 };
  }
  if (h.method !== 'GET' || h.range === undefined) return { status: 200 };
  if (h.ifRange !== undefined) {
    const v = h.ifRange.trim();
    // If-Range needs a strong match: a weak ETag never matches; a date must be the exact one.
    const matches = v.startsWith('"') || v.startsWith('W/') ? v === f.etag : v === f.lastModified;
    if (!matches) return { status: 200 };
  }
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(h.range);
  if (!m) return { status: 200 };
  const specs = m[1]!.split(',').filter((s) => s.trim() !== '');
  if (specs.length !== 1) return { status: 200 };
  const one = /^\s*(\d*)\s*-\s*(\d*)\s*$/.exec(specs[0]!);
  if (!one || (one[1] === '' && one[2] === '')) return { status: 200 };
  const last = f.size - 1;
  if (one[1] === '') {
    const suffix = Number(one[2]);
    if (suffix === 0 || f.size === 0) return { status: 416 };
    return { status: 206, start: Math.max(0, f.size - suffix), end: last };
  }
  const start = Number(one[1]);
  const end = one[2] === '' ? Infinity : Number(one[2]);
  if (end < start) return { status: 200 };
  if (start >= f.size) return { status: 416 };
  return { status: 206, start, end: Math.min(end, last) };
}
