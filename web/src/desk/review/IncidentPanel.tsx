import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../../shared/api';
import type { Item } from '../../shared/types';
import { Button } from '../../shared/ui';
import { dateTimeText } from '../../shared/words';
import type { Incident } from '@contract';


/**
 * For the e-safety lead, on a reported item's page ("Look at it" from the incident queue): the report's note,
 * who reported it, who had approved it, and the decision — remove or reinstate — with a note for the log.
 * Teachers never see this panel (the incidents route answers them 403, and the panel stays away).
 */
export function IncidentPanel({ item, onResolved }: { item: Item; onResolved: (message: string) => void }) {
  const [incidents, setIncidents] = useState<Incident[] | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState('');
  const [error, setError] = useState('');

  useEffect(() => {
    if (item.status !== 'quarantined') return setIncidents(null);
    api<{ incidents: Incident[] }>('GET', '/api/admin/incidents?status=open')
      .then((r) => setIncidents(r.incidents.filter((i) => i.item.id === item.id)))
      .catch(() => setIncidents(null));
  }, [item.id, item.status]);

  if (!incidents?.length) return null;
  const first = incidents[0]!;

  const resolve = async (action: 'remove' | 'reinstate') => {
    if (!note.trim()) return setError('Write a short note for the incident log first (what you found, what you decided).');
    setBusy(action);
    setError('');
    try {
      for (const i of incidents) await api('POST', `/api/admin/incidents/${i.id}/resolve`, { action, note: note.trim() });
      onResolved(action === 'remove' ? 'Removed: its copy is deleted and it stays off every board.' : 'Reinstated: it is back on the board.');
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy('');
    }
  };

  return (
    <section class="card incident-panel" aria-labelledby="incident-h" data-testid="incident-panel">
      <h2 id="incident-h">{incidents.length === 1 ? 'The report' : `${incidents.length} reports`}</h2>
      {incidents.map((i) => (
        <dl key={i.id} class="incident-facts">
          <dt>What is wrong</dt>
          <dd class="break">{i.note || 'No note was given.'}</dd>
          <dt>Reported by</dt>
          <dd>
            {i.reportedBy.kind === 'board' ? `the class board (${i.reportedBy.label.replace(/^board\s*/, '')})` : i.reportedBy.label}, {dateTimeText(i.createdAt)}
          </dd>
        </dl>
      ))}
      <dl class="incident-facts">
        <dt>Approved by</dt>
        <dd>{first.approvedBy ? `${first.approvedBy.label}${first.approvedBy.at ? `, ${dateTimeText(first.approvedBy.at)}` : ''}` : 'Nobody had approved it yet'}</dd>
      </dl>
      <label for="incident-note">Your note for the incident log</label>
      <textarea id="incident-note" maxLength={2000} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      <p class="field-error" role="alert">
        {error}
      </p>
      <div class="row">
        <Button variant="bad" busy={busy === 'remove'} busyText="Removing…" onClick={() => void resolve('remove')}>
          Remove it
        </Button>
        <Button variant="good" busy={busy === 'reinstate'} busyText="Reinstating…" onClick={() => void resolve('reinstate')}>
          Reinstate it
        </Button>
      </div>
    </section>
  );
}
