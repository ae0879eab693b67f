import type { ItemMediaFiles } from '../db/schema.js';

/** Every file an item has published (what staff may fetch, what `storage check` expects); nothing else of its folder is served. */
export function publishedFiles(media: ItemMediaFiles | null): string[] {
  const m = media ?? {};
  return [m.video, m.poster, m.thumbnail, m.page, m.captions, m.storyboard, ...(m.images ?? []), ...(m.scenes ?? [])].filter((f): f is string => !!f);
}

/** What a board may fetch: what the class watches, without the vetting aids (the storyboard and its scenes). */
export function boardFiles(media: ItemMediaFiles | null): Set<string> {
  const aids = new Set([media?.storyboard, ...(media?.scenes ?? [])]);
  return new Set(publishedFiles(media).filter((f) => !aids.has(f)));
}
