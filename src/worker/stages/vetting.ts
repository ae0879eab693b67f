/** The word screen's part of the media stage (the checks' record itself is `VettingChecks` in the domain). */
import { promises as fs } from 'node:fs';
import type { WorkerContext } from '../context.js';
import type { WordHit } from '../../domain/word-screen.js';

let library: Promise<typeof import('../../domain/word-screen.js')> | undefined;

/**
 * The screening library (`obscenity`, about 6 MB once loaded), loaded by a worker's first media run rather than when
 * it starts, so a worker carries it only once it screens. The media stage asks for it as ffmpeg starts, so it loads
 * while ffmpeg works rather than after.
 */
export function wordScreenLibrary(): Promise<typeof import('../../domain/word-screen.js')> {
  return (library ??= import('../../domain/word-screen.js'));
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v : null);

/** The item's description as its source gave it (a video's description, a page's summary). */
export function descriptionOf(details: Record<string, unknown> | null | undefined): string | null {
  return str(details?.description) ?? str(details?.excerpt);
}

/** Screens the item's text against the library and the school's list; null (unscreened) if it cannot run. */
export async function screenWords(
  ctx: WorkerContext,
  texts: { title: string | null; description: string | null; captionsFile?: string; pageFile?: string },
  notes: string[],
): Promise<WordHit[] | null> {
  try {
    const read = (f: string | undefined) => (f ? fs.readFile(f, 'utf8').catch(() => null) : Promise.resolve(null));
    const [captions, page] = await Promise.all([read(texts.captionsFile), read(texts.pageFile)]);
    const list = await ctx.repos.settings.wordList();
    const { pageText, screenItemText } = await wordScreenLibrary();
    return screenItemText(
      { title: texts.title, description: texts.description, captions, page: page === null ? null : pageText(page) },
      list,
    );
  } catch (e) {
    notes.push(`words: the screen could not run (${e instanceof Error ? e.message : String(e)})`);
    return null;
  }
}
