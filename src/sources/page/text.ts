/** Small text helpers of page cleaning: collapsing whitespace, escaping for HTML, language tags. */

/** Whitespace collapsed and trimmed, cut at `max` characters with an ellipsis; empty text is undefined. */
export function squash(s: string | null | undefined, max = 300): string | undefined {
  if (s === null || s === undefined) return undefined;
  const t = s.replace(/\s+/g, ' ').trim();
  if (t === '') return undefined;
  return t.length > max ? `${t.slice(0, max - 1).trimEnd()}…` : t;
}

/** Text made safe to put between tags or in a quoted attribute. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A BCP 47 language tag as pages write them (`en`, `en-GB`). */
export const LANG_RE = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;
