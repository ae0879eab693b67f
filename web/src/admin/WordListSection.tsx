import { useState } from 'preact/hooks';
import { api, errorText } from '../shared/api';
import { Button, FlashLine, useFlash } from '../shared/ui';
import { LoadError, Missing, SectionHead, useResource } from './common';
import type { WordList } from '@contract';


const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/**
 * The word screen's school list (issue 12): words and phrases to flag beside the built-in list of swear words,
 * and words never to flag (a place name, a word a lesson needs). Applies to items prepared from now on.
 */
export function WordListSection() {
  const { data, error, missing, reload } = useResource<WordList>('/api/admin/word-list');
  return (
    <>
      <SectionHead title="Word screen">
        Vetted flags swear words and slurs in captions, titles, descriptions and page text, so teachers know where to look. Add
        the words your school also wants flagged, and words it never wants flagged. A flag helps a teacher look; it never
        replaces watching.
      </SectionHead>
      {missing ? <Missing what="word list" /> : <LoadError error={error} />}
      {/* The form starts from the saved list, so words typed in it are never overwritten when a load arrives. */}
      {data && <WordListForm saved={data} onSaved={reload} />}
    </>
  );
}

function WordListForm({ saved: initial, onSaved }: { saved: WordList; onSaved: () => unknown }) {
  const [flagText, setFlagText] = useState(() => initial.flag.join('\n'));
  const [ignoreText, setIgnoreText] = useState(() => initial.ignore.join('\n'));
  const [busy, setBusy] = useState(false);
  const [flash, say, clear] = useFlash();

  const save = async (e: Event) => {
    e.preventDefault();
    const flag = lines(flagText);
    const ignore = lines(ignoreText);
    const tooLong = [...flag, ...ignore].find((w) => w.length > 80);
    if (tooLong) return say('error', `“${tooLong.slice(0, 30)}…” is longer than 80 characters. Put one word or short phrase on each line.`);
    setBusy(true);
    try {
      const saved = await api<WordList>('PUT', '/api/admin/word-list', { flag, ignore });
      setFlagText(saved.flag.join('\n'));
      setIgnoreText(saved.ignore.join('\n'));
      say('ok', `Saved: ${saved.flag.length} to flag, ${saved.ignore.length} to ignore. Items prepared from now on are screened with this list.`);
      await onSaved();
    } catch (err) {
      say('error', errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <FlashLine flash={flash} onClose={clear} />
      <form class="card admin-form" onSubmit={save} data-testid="word-list">
        <label for="words-flag">Words and phrases to flag (one a line)</label>
        <textarea id="words-flag" rows={6} value={flagText} onInput={(e) => setFlagText(e.currentTarget.value)} />
        <label for="words-ignore">Words never to flag (one a line)</label>
        <textarea id="words-ignore" rows={4} value={ignoreText} onInput={(e) => setIgnoreText(e.currentTarget.value)} />
        <p class="hint">Changes are recorded in the audit log. Items already waiting keep the screen they were given; re-make one to screen it again.</p>
        <div class="row">
          <Button type="submit" variant="primary" busy={busy} busyText="Saving…">
            Save the word list
          </Button>
        </div>
      </form>
    </>
  );
}
