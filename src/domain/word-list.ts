/**
 * The school's own word list for the word screen (src/domain/word-screen.ts) as it is stored and edited: kept apart
 * from the screen, so the API and the database layer read and write it without loading the screening library.
 */
export interface WordList {
  /** Words and phrases the school wants flagged, whole words, any case. */
  flag: string[];
  /** Words that are never flagged, even when the library lists them. */
  ignore: string[];
}

export const EMPTY_WORD_LIST: WordList = { flag: [], ignore: [] };
export const MAX_LIST_ENTRIES = 500;
export const MAX_ENTRY_LENGTH = 80;

/** Trims, lowercases, drops empties and duplicates: what the admin typed, as it is stored. */
export function cleanWordList(list: Partial<WordList>): WordList {
  const clean = (words: string[] | undefined) =>
    [...new Set((words ?? []).map((w) => w.replace(/\s+/g, ' ').trim().toLowerCase()).filter((w) => w.length > 0))].slice(
      0,
      MAX_LIST_ENTRIES,
    );
  return { flag: clean(list.flag), ignore: clean(list.ignore) };
}
