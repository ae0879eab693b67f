import { useState } from 'preact/hooks';
import { api, errorText } from '../../shared/api';
import type { Item } from '../../shared/types';
import { Button } from '../../shared/ui';

/** The title the board shows: the source's own, or the teacher's words for the class. */
export function Rename({ item, onRenamed, say }: { item: Item; onRenamed: (i: Item) => void; say: (tone: 'ok' | 'error', text: string) => void }) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState(item.title);
  const [busy, setBusy] = useState(false);
  if (!open) {
    return (
      <Button variant="quiet" class="rename-button" onClick={() => (setTitle(item.title), setOpen(true))}>
        Rename
      </Button>
    );
  }
  const save = async (e: Event) => {
    e.preventDefault();
    if (!title.trim()) return say('error', 'The title cannot be empty.');
    setBusy(true);
    try {
      onRenamed(await api<Item>('PATCH', `/api/items/${item.id}`, { title: title.trim() }));
      say('ok', 'Title saved. The board shows the new title.');
      setOpen(false);
    } catch (err) {
      say('error', errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="row rename" onSubmit={save}>
      <label class="visually-hidden" for="rename-title">
        Title
      </label>
      <input id="rename-title" type="text" maxLength={300} value={title} onInput={(e) => setTitle(e.currentTarget.value)} class="grow" />
      <Button type="submit" variant="primary" busy={busy} busyText="Saving…">
        Save title
      </Button>
      <Button variant="plain" onClick={() => setOpen(false)}>
        Cancel
      </Button>
    </form>
  );
}
