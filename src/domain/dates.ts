/**
 * Dates people type or send: `YYYY-MM-DD`, or an ISO time (`2025-09-01T08:00:00Z`, with seconds, fractions and
 * an offset optional), with a year from 1970 to 9999. Anything else — `+200000-01-01`, `-271821-04-20`, "tomorrow",
 * 31 February — is refused rather than stored, so a date can never break a later query or approval.
 */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/i;

export const MIN_YEAR = 1970;
export const MAX_YEAR = 9999;

function realDay(y: number, m: number, d: number): boolean {
  if (y < MIN_YEAR || y > MAX_YEAR || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * The moment a strict date or time names, or undefined when the text is not one. A bare date is the start of
 * that day (UTC), or its last millisecond with `endOfDay` ("until 31 July" includes the 31st).
 */
export function parseStrictDate(text: string, opts: { endOfDay?: boolean } = {}): Date | undefined {
  const day = DATE.exec(text);
  if (day) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    if (!realDay(y, m, d)) return undefined;
    return new Date(Date.UTC(y, m - 1, d, ...(opts.endOfDay ? [23, 59, 59, 999] : [0, 0, 0, 0])));
  }
  const t = TIME.exec(text);
  if (!t) return undefined;
  const [y, m, d, hh, mm, ss] = [1, 2, 3, 4, 5, 6].map((i) => Number(t[i] ?? 0)) as [number, number, number, number, number, number];
  if (!realDay(y, m, d) || hh > 23 || mm > 59 || ss > 59) return undefined;
  const offset = t[8]!.toUpperCase();
  if (offset !== 'Z' && (Number(offset.slice(1, 3)) > 23 || Number(offset.slice(4, 6)) > 59)) return undefined;
  const when = new Date(text);
  if (Number.isNaN(when.getTime())) return undefined;
  // The offset may carry a time across a year boundary; the stored moment must still be within range.
  const year = when.getUTCFullYear();
  return year >= MIN_YEAR && year <= MAX_YEAR ? when : undefined;
}
