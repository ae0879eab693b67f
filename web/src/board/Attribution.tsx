import type { BoardItem } from '../shared/types';

/** Where it came from, as the school's copyright policy asks, shown with every item. */
export function Attribution({ item }: { item: BoardItem }) {
  const s = item.source;
  if (!s) return null;
  return (
    <p class="attribution">
      From {s.name || 'the web'}
      {s.author && s.author !== s.name ? ` · ${s.author}` : ''}
      {s.licence ? ` · Licence: ${s.licence}` : ''}
    </p>
  );
}
