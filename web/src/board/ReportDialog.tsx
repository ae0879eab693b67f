import { useEffect, useRef, useState } from 'preact/hooks';
import type { BoardItem } from '../shared/types';

/**
 * "Something is wrong with this": the item leaves the board at once and the e-safety lead sees
 * the report. The board has no session: its token in the URL is its credential.
 */
export function ReportDialog({
  item,
  reportUrl,
  onClose,
  onReported,
}: {
  item: BoardItem | null;
  reportUrl: (item: BoardItem) => string;
  onClose: () => void;
  onReported: (item: BoardItem) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (item && !d.open) {
      setNote('');
      setError('');
      d.showModal();
    }
    if (!item && d.open) d.close();
  }, [item?.id]);

  const send = async (e: Event) => {
    e.preventDefault();
    if (!item) return;
    setBusy(true);
    setError('');
    try {
      const res = await fetch(reportUrl(item), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(note.trim() ? { note: note.trim() } : {}),
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        throw new Error(body?.error?.message ?? 'The report could not be sent. Ask your teacher to report it from their desk.');
      }
      onReported(item);
    } catch (err) {
      setError(err instanceof TypeError ? 'The report could not be sent: the network is down. Try again.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} class="board-dialog" aria-labelledby="report-h" onClose={onClose} onCancel={onClose}>
      {item && (
        <form onSubmit={send}>
          <h2 id="report-h">Is something wrong with this?</h2>
          <p class="dialog-item">{item.title}</p>
          <p>It will be taken off the board straight away, and the school’s e-safety lead will check it.</p>
          <label for="board-report-note">What is wrong? (optional)</label>
          <textarea id="board-report-note" maxLength={2000} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          <p class="board-error" role="alert">
            {error}
          </p>
          <div class="dialog-buttons">
            <button type="button" class="big-button quiet" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" class="big-button report" disabled={busy} aria-busy={busy}>
              {busy ? 'Sending…' : 'Report and hide it'}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
