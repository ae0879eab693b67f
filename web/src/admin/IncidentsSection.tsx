import { useState } from 'preact/hooks';
import { api, errorText } from '../shared/api';
import { Button, Dialog, FlashLine, useFlash } from '../shared/ui';
import { dateTimeText } from '../shared/words';
import { LoadError, Missing, SectionHead, useResource } from './common';
import type { Incident } from '@contract';


/** The incident queue: reported items wait here, off every board, until the e-safety lead decides. */
export function IncidentsSection() {
  const { data, error, missing, reload } = useResource<{ incidents: Incident[]; open: number }>('/api/admin/incidents');
  const [flash, say, clear] = useFlash();
  const [resolving, setResolving] = useState<{ incident: Incident; action: 'reinstate' | 'remove' } | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);

  const resolve = async (e: Event) => {
    e.preventDefault();
    if (!resolving) return;
    setBusy(true);
    try {
      await api('POST', `/api/admin/incidents/${resolving.incident.id}/resolve`, { action: resolving.action, note: note.trim() });
      say(
        'ok',
        resolving.action === 'reinstate'
          ? `“${resolving.incident.item.title}” is back on its board.`
          : `“${resolving.incident.item.title}” was removed and its copy deleted.`,
      );
      setResolving(null);
      setNote('');
      await reload();
    } catch (err) {
      say('error', errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const open = data?.incidents.filter((i) => i.status === 'open') ?? [];
  const done = data?.incidents.filter((i) => i.status === 'resolved') ?? [];

  return (
    <>
      <SectionHead title="Incidents">
        Items reported by staff or from a classroom board. A reported item is off every board until you reinstate or remove
        it.
      </SectionHead>
      <FlashLine flash={flash} onClose={clear} />
      {missing ? <Missing what="the incident log" /> : <LoadError error={error} />}
      <div class="row">
        <a class="btn btn-quiet" href="/api/admin/incidents?format=csv" download>
          Download the incident log (CSV)
        </a>
      </div>
      <section aria-labelledby="open-h">
        <h2 id="open-h">Waiting for you ({open.length})</h2>
        {data && open.length === 0 && <p class="card empty">No open reports.</p>}
        <ul class="incident-list">
          {open.map((i) => (
            <li key={i.id} class="card incident" data-testid="incident-open">
              <IncidentFacts i={i} />
              <div class="row">
                <a class="btn btn-plain" href={`/#/item/${i.item.id}`} target="_blank" rel="noopener">
                  Look at it<span class="visually-hidden"> (new tab)</span>
                </a>
                <Button variant="good" onClick={() => setResolving({ incident: i, action: 'reinstate' })}>
                  Reinstate…
                </Button>
                <Button variant="bad" onClick={() => setResolving({ incident: i, action: 'remove' })}>
                  Remove…
                </Button>
              </div>
            </li>
          ))}
        </ul>
      </section>
      {done.length > 0 && (
        <section aria-labelledby="done-h">
          <h2 id="done-h">Resolved ({done.length})</h2>
          <ul class="incident-list">
            {done.map((i) => (
              <li key={i.id} class="card incident">
                <IncidentFacts i={i} />
                {i.resolution && (
                  <p class="small">
                    <strong>{i.resolution.action === 'reinstate' ? 'Reinstated' : 'Removed'}</strong> by {i.resolution.by}
                    {i.resolution.at ? `, ${dateTimeText(i.resolution.at)}` : ''}: {i.resolution.note}
                  </p>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      <Dialog
        open={resolving !== null}
        title={resolving?.action === 'reinstate' ? 'Reinstate this item' : 'Remove this item'}
        onClose={() => setResolving(null)}
      >
        {resolving && (
          <form onSubmit={resolve}>
            <p class="break">
              <strong>{resolving.incident.item.title}</strong>
            </p>
            <p>
              {resolving.action === 'reinstate'
                ? 'It goes back on its board, approved as before.'
                : 'Its copy is deleted and it can never go back on a board. The incident log keeps the record.'}
            </p>
            <label for="resolve-note">Your note for the log</label>
            <textarea id="resolve-note" required maxLength={2000} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
            <div class="row end">
              <Button variant="plain" onClick={() => setResolving(null)}>
                Cancel
              </Button>
              <Button type="submit" variant={resolving.action === 'reinstate' ? 'good' : 'bad'} busy={busy} busyText="Saving…" disabled={!note.trim()}>
                {resolving.action === 'reinstate' ? 'Reinstate' : 'Remove'}
              </Button>
            </div>
          </form>
        )}
      </Dialog>
    </>
  );
}

function IncidentFacts({ i }: { i: Incident }) {
  return (
    <>
      <h3 class="break">{i.item.title || i.item.url}</h3>
      <p class="small muted break">
        {[i.item.className, i.item.playlistName].filter(Boolean).join(' › ')} · reported by {i.reportedBy.label} · {dateTimeText(i.createdAt)}
        {i.item.statusNow === null ? ' · item since purged' : ''}
      </p>
      <blockquote class="incident-note">{i.note}</blockquote>
    </>
  );
}
