import { VettedError } from './errors.js';
import type { ItemKind } from './item-state.js';

/**
 * What a submitted link becomes. A link is taken for what it is — a video in a site list stays a
 * video — and the teacher is told plainly when that differs from the list's kind. A link whose URL
 * does not say what it is takes the list's kind until the site's answer settles it.
 */
export type LinkVerdict = 'youtube' | 'media' | 'page' | 'unknown';
export type ListKind = 'videos' | 'sites';

export interface KindDecision {
  kind: ItemKind;
  notice: { code: string; message: string } | null;
}

export function decideKind(link: LinkVerdict, list: ListKind): KindDecision {
  const kind: ItemKind =
    link === 'youtube' || link === 'media' ? 'video' : link === 'page' ? 'webpage' : list === 'sites' ? 'webpage' : 'video';
  if (link === 'unknown') return { kind, notice: null };
  if (kind === 'video' && list === 'sites') {
    return {
      kind,
      notice: {
        code: 'video_in_site_list',
        message: 'This link is a video, so it was added to the site list as a video: the board will play it rather than open a web site.',
      },
    };
  }
  if (kind === 'webpage' && list === 'videos') {
    return {
      kind,
      notice: {
        code: 'page_in_video_list',
        message: 'This link is a web page, not a video, so it was added as a web page: you will review a clean copy, and the board will show it as a site tile.',
      },
    };
  }
  return { kind, notice: null };
}

/** A clip ends after it starts (either end may be left open). */
export function assertClip(start: number | null | undefined, end: number | null | undefined): void {
  if (start != null && end != null && end <= start) {
    throw new VettedError('clip_invalid', 'The end of the clip must come after its start.', { httpStatus: 400 });
  }
}
