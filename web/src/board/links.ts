import type { BoardItem } from '../shared/types';

/**
 * Links inside a vetted copy lead only to other items approved for the class: a link is matched to an
 * item by its address (scheme, "www.", a trailing slash and the #fragment do not matter). Anything else
 * stays inert — the board never leaves what the teacher vetted.
 */
export function linkKey(raw: string): string | null {
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    const host = u.hostname.toLowerCase().replace(/^www\./, '');
    const path = u.pathname.replace(/\/+$/, '') || '/';
    return `${host}${u.port ? `:${u.port}` : ''}${path}${u.search}`;
  } catch {
    return null;
  }
}

export function approvedTarget(href: string, items: readonly BoardItem[]): BoardItem | undefined {
  const key = linkKey(href);
  if (!key) return undefined;
  return items.find((i) => linkKey(i.url) === key || (i.source?.url ? linkKey(i.source.url) === key : false));
}
