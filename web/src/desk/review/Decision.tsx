import { useEffect, useState } from 'preact/hooks';
import { api } from '../../shared/api';
import { useDraft } from '../../shared/drafts';
import { href } from '../../shared/route';
import type { ClassInfo, Item } from '../../shared/types';
import { Button, Dialog } from '../../shared/ui';
import { PairDialog } from '../PairDialog';
import { dateText, isWorking } from '../../shared/words';
import type { QueueItem } from './QueueNav';
import type { Act } from './types';
import type { Watching } from './watching';

/** Approve, reject, the date it leaves the board, and reporting a problem. */
export function Decision({
  item,
  boardName,
  act,
  watching,
  next,
  cls,
}: {
  item: Item;
  boardName: string;
  act: Act;
  watching: Watching;
  next: QueueItem | undefined;
  cls: ClassInfo | null;
}) {
  // Words typed in the dialogs are kept in the tab's session storage too, so even a reload keeps them.
  const [rejecting, setRejecting] = useState(false);
  const [reporting, setReporting] = useState(false);
  const [reason, setReason, clearReason] = useDraft(`reject:${item.id}`);
  const [note, setNote, clearNote] = useDraft(`report:${item.id}`);
  const [busy, setBusy] = useState('');
  const [elsewhere, setElsewhere] = useState(false);
  const [justApproved, setJustApproved] = useState(false);
  const [pairing, setPairing] = useState(false);
  const [expiry, setExpiry] = useState(item.expiresAt ? toDateInput(item.expiresAt) : '');
  useEffect(() => setExpiry(item.expiresAt ? toDateInput(item.expiresAt) : ''), [item.expiresAt]);

  const run = async (key: string, what: string, fn: () => Promise<Item>, ok: string) => {
    setBusy(key);
    const done = await act(what, fn, ok);
    setBusy('');
    return done;
  };

  // A failed flashing check: the teacher confirms they watched the flagged moments (recorded with the approval).
  const flashFail = item.checks?.flashing?.verdict === 'fail';
  const [flashChecked, setFlashChecked] = useState(false);
  const canApprove = (!watching.required || watching.met || elsewhere) && (!flashFail || flashChecked);
  const approve = async () => {
    await watching.flush();
    const acknowledge = [...(elsewhere ? ['watched_elsewhere'] : []), ...(flashFail && flashChecked ? ['flashing'] : [])];
    const done = await run(
      'approve',
      'Approving',
      () => api<Item>('POST', `/api/items/${item.id}/approve`, acknowledge.length ? { acknowledge } : {}),
      `Approved. It is on ${boardName} now.`,
    );
    if (done) setJustApproved(true);
  };
  const reject = async (e: Event) => {
    e.preventDefault();
    const done = await run(
      'reject',
      'Rejecting',
      () => api<Item>('POST', `/api/items/${item.id}/reject`, reason.trim() ? { reason: reason.trim() } : {}),
      item.status === 'approved' ? `Taken off ${boardName} and rejected.` : 'Rejected. It will not reach any board.',
    );
    if (done) {
      setRejecting(false);
      clearReason();
    }
  };
  const report = async (e: Event) => {
    e.preventDefault();
    const done = await run(
      'report',
      'Reporting',
      async () => {
        await api('POST', `/api/items/${item.id}/report`, { note: note.trim() });
        return api<Item>('GET', `/api/items/${item.id}`);
      },
      'Reported. It is off every board, and the e-safety lead has been told.',
    );
    if (done) {
      setReporting(false);
      clearNote();
    }
  };
  const saveExpiry = async (e: Event) => {
    e.preventDefault();
    // The end of the chosen day, in the school's own time zone.
    const at = expiry ? new Date(`${expiry}T23:59:59`).toISOString() : null;
    await run(
      'expiry',
      'Saving the date',
      () => api<Item>('PATCH', `/api/items/${item.id}`, { expiresAt: at }),
      at ? `It leaves the board at the end of ${dateText(at)}.` : 'No end date: it stays on the board until someone takes it off.',
    );
  };

  const decided = item.status === 'approved';
  return (
    <section class="card decision" aria-labelledby="decision-h">
      <h2 id="decision-h">Your decision</h2>
      {item.status === 'awaiting_review' && (
        <>
          <div class="row">
            <Button
              variant="good"
              busy={busy === 'approve'}
              busyText="Approving…"
              disabled={!canApprove}
              aria-describedby={canApprove ? undefined : 'approve-why'}
              onClick={() => void approve()}
            >
              Approve for the board
            </Button>
            <Button variant="bad" onClick={() => setRejecting(true)}>
              Reject…
            </Button>
          </div>
          {watching.required && !watching.met ? (
            <>
              <p class="hint" id="approve-why">
                {item.kind === 'webpage'
                  ? `“Approve” opens once you have scrolled through the page (read ${Math.floor(watching.coverage * 100)} %).`
                  : `“Approve” opens once you have watched the video to the end (watched ${Math.floor(watching.coverage * 100)} %, up to twice the speed counts).`}
              </p>
              <label class="check-line">
                <input type="checkbox" checked={elsewhere} onChange={(e) => setElsewhere(e.currentTarget.checked)} />
                {item.kind === 'webpage' ? 'I have read all of it elsewhere' : 'I have watched all of it elsewhere'} (this is recorded)
              </label>
            </>
          ) : (
            <p class="hint">Check the facts below, then decide.</p>
          )}
          {flashFail && (
            <label class="check-line warn" data-testid="flashing-ack">
              <input type="checkbox" checked={flashChecked} onChange={(e) => setFlashChecked(e.currentTarget.checked)} />
              This video has flashing that can trigger seizures. I have watched the flagged moments (or trimmed them out) and
              it is safe for this class (this is recorded)
            </label>
          )}
        </>
      )}
      {decided && justApproved && (
        <div class="after-approve" data-testid="after-approve">
          {next ? (
            <a class="btn btn-primary" href={href('item', next.id)} data-testid="next-to-review">
              Next to review: {next.title || next.url}
            </a>
          ) : (
            <p>Nothing else is waiting for review.</p>
          )}
          {cls && !cls.boardSeenAt && (
            <div class="pair-prompt" data-testid="pair-prompt">
              <p>No board has shown {cls.name} yet: pair the classroom board so the class can see it.</p>
              <Button variant="primary" onClick={() => setPairing(true)}>
                Pair a board now
              </Button>
            </div>
          )}
        </div>
      )}
      {decided && (
        <>
          <p>It is on {boardName}.</p>
          <Button variant="plain" onClick={() => setRejecting(true)}>
            Take it off the board…
          </Button>
        </>
      )}
      {item.status === 'rejected' && <p>Rejected{item.rejectReason ? `: ${item.rejectReason}` : '.'} It will not reach any board.</p>}
      {item.status === 'quarantined' && <p>Reported: it is off every board until the e-safety lead decides.</p>}
      {item.status === 'expired' && <p>Its date has passed, so it is off the board. Add it again to show it again.</p>}
      {isWorking(item.status) && <p class="muted">You can decide once the copy is ready.</p>}

      {(decided || item.status === 'awaiting_review') && (
        <form class="expiry" onSubmit={saveExpiry}>
          <label for="expiry-date">Show on the board until</label>
          <div class="row">
            <input
              id="expiry-date"
              type="date"
              value={expiry}
              min={toDateInput(new Date().toISOString())}
              onInput={(e) => setExpiry(e.currentTarget.value)}
              class="grow"
            />
            <Button type="submit" variant="plain" busy={busy === 'expiry'} busyText="Saving…">
              Save date
            </Button>
          </div>
          <p class="hint">
            {item.expiresAt ? `Now: until the end of ${dateText(item.expiresAt)}.` : 'No end date yet: the school’s default applies.'} Clear the
            box and save to remove the date.
          </p>
        </form>
      )}

      {item.kind === 'webpage' && ['awaiting_review', 'approved'].includes(item.status) && (
        <LiveSiteChoice item={item} run={run} busy={busy === 'live'} />
      )}

      {['awaiting_review', 'approved'].includes(item.status) && (
        <p class="report-line">
          <Button variant="quiet" onClick={() => setReporting(true)}>
            Report a problem with this…
          </Button>
        </p>
      )}

      <PairDialog cls={pairing ? cls : null} onClose={() => setPairing(false)} />
      <Dialog open={rejecting} title={decided ? 'Take it off the board' : 'Reject'} onClose={() => setRejecting(false)}>
        <form onSubmit={reject}>
          <label for="reject-reason">Why? (optional)</label>
          <textarea id="reject-reason" maxLength={2000} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <p class="hint">Colleagues see this reason in the playlist.</p>
          <div class="row end">
            <Button variant="plain" onClick={() => setRejecting(false)}>
              Cancel
            </Button>
            <Button type="submit" variant="bad" busy={busy === 'reject'} busyText="Rejecting…">
              {decided ? 'Take it off and reject' : 'Reject'}
            </Button>
          </div>
        </form>
      </Dialog>
      <Dialog open={reporting} title="Report a problem" onClose={() => setReporting(false)}>
        <form onSubmit={report}>
          <p>It comes off every board at once and goes to the e-safety lead’s incident queue.</p>
          <label for="report-note">What is the problem?</label>
          <textarea id="report-note" required maxLength={2000} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          <div class="row end">
            <Button variant="plain" onClick={() => setReporting(false)}>
              Cancel
            </Button>
            <Button type="submit" variant="bad" busy={busy === 'report'} busyText="Reporting…" disabled={!note.trim()}>
              Report
            </Button>
          </div>
        </form>
      </Dialog>
    </section>
  );
}

/**
 * "Open the live site": for games and other interactive sites only, on the school's allow list only.
 * The board otherwise shows the copy the teacher vetted.
 */
function LiveSiteChoice({ item, run, busy }: { item: Item; run: (key: string, what: string, fn: () => Promise<Item>, ok: string) => Promise<boolean>; busy: boolean }) {
  const on = item.openLive === true;
  return (
    <div class="live-choice">
      <label class="check-line">
        <input
          type="checkbox"
          checked={on}
          disabled={busy}
          data-testid="open-live"
          onChange={(e) => {
            const want = e.currentTarget.checked;
            e.currentTarget.checked = on;
            void run(
              'live',
              'Changing how the board opens it',
              () => api<Item>('PATCH', `/api/items/${item.id}`, { openLive: want }),
              want ? 'The board opens the live site for this one.' : 'The board shows the copy you vetted.',
            );
          }}
        />
        Open the live site on the board instead of this copy
      </label>
      <p class="hint">
        Only for games and other sites that need to be live, and only for sites on the school’s allow list. Live pages change after
        you vet them and may carry adverts; the copy never changes.
      </p>
    </div>
  );
}

function toDateInput(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
