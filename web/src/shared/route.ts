import { useEffect, useState } from 'preact/hooks';

/**
 * Views inside a page live in the hash (`#/playlist/<id>`): deep links and the back button work
 * without the server knowing every view.
 */
export function useHashRoute(): string[] {
  const read = () =>
    (location.hash.replace(/^#\/?/, '') || '')
      .split('/')
      .filter(Boolean)
      .map((p) => decodeURIComponent(p));
  const [parts, setParts] = useState(read);
  useEffect(() => {
    const on = () => setParts(read());
    window.addEventListener('hashchange', on);
    // The address may have changed between the first draw and this listener (a quick navigation right after the
    // page loaded): read it once more so the view never stays on a stale one.
    on();
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return parts;
}

export const href = (...parts: string[]) => `#/${parts.map(encodeURIComponent).join('/')}`;

export function go(...parts: string[]): void {
  location.hash = href(...parts);
}
