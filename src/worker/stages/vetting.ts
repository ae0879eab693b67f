/** The word screen's part of the media stage (the checks' record itself is `VettingChecks` in the domain). */
import { promises as fs } from 'node:fs';
import type { WorkerContext } from '../context.js';
import { pageText, screenItemText, type WordHit } from '../../domain/word-screen.js';

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
    return screenItemText(
      { title: texts.title, description: texts.description, captions, page: page === null ? null : pageText(page) },
      list,
    );
  } catch (e) {
    notes.push(`words: the screen could not run (${e instanceof Error ? e.message : String(e)})`);
    return null;
  }
}
