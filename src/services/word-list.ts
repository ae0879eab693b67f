import type { AppContext } from '../api-context.js';
import type { WordList } from '../domain/word-list.js';

/** The school's own word list as it stands. */
export async function wordList(ctx: AppContext): Promise<WordList> {
  return ctx.repos.settings.wordList();
}

/**
 * The school's own word list for the word screen (issue 12): words and phrases to flag beside the library's, and
 * words never to flag. A change is audited with what was added and removed; it applies to items prepared from
 * then on (an item already on the desk keeps the screen it was given; re-make it to screen it again).
 */
export async function changeWordList(ctx: AppContext, list: WordList, by: { userId: string; ip: string }): Promise<WordList> {
  const { settings, audit } = ctx.repos;
  const before = await settings.wordList();
  const after = await settings.setWordList(list, by.userId);
  const diff = (a: string[], b: string[]) => a.filter((w) => !b.includes(w));
  await audit.record({
    actorId: by.userId,
    actorKind: 'staff',
    action: 'word_list.update',
    target: 'settings:word_list',
    ip: by.ip,
    detail: {
      flagAdded: diff(after.flag, before.flag),
      flagRemoved: diff(before.flag, after.flag),
      ignoreAdded: diff(after.ignore, before.ignore),
      ignoreRemoved: diff(before.ignore, after.ignore),
    },
  });
  return after;
}
