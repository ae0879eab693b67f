import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../shared/api';
import { Button, FlashLine, useFlash } from '../shared/ui';
import { dateTimeText } from '../shared/words';
import { LoadError, Missing, SectionHead, useResource } from './common';
import type { ReminderAcknowledgements, ReminderVersion } from '@contract';

type Acks = ReminderAcknowledgements;

/** The school's e-safety reminder: shown at every sign-in; a new text is a new version everyone reads again. */
export function ReminderSection() {
  const reminder = useResource<{ current: ReminderVersion; history: ReminderVersion[] }>('/api/admin/reminder');
  const acks = useResource<Acks>('/api/admin/reminder/acknowledgements');
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [flash, say, clear] = useFlash();
  useEffect(() => {
    if (reminder.data) setText(reminder.data.current.text);
  }, [reminder.data?.current.version]);

  const save = async (e: Event) => {
    e.preventDefault();
    if (!text.trim()) return say('error', 'The reminder cannot be empty.');
    setBusy(true);
    try {
      const r = await api<{ version: number }>('PUT', '/api/admin/reminder', { text: text.trim() });
      say('ok', `Saved as version ${r.version}. Everyone acknowledges it at their next sign-in, you too.`);
      await reminder.reload();
      await acks.reload();
    } catch (err) {
      say('error', errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const cur = reminder.data?.current;
  return (
    <>
      <SectionHead title="E-safety reminder">
        Shown to every member of staff each time they sign in, and acknowledged before they can do anything else.
      </SectionHead>
      <FlashLine flash={flash} onClose={clear} />
      {reminder.missing ? <Missing what="editing the reminder" /> : <LoadError error={reminder.error} />}
      <form class="card admin-form" onSubmit={save}>
        <label for="reminder-edit">The reminder{cur ? ` (now version ${cur.version}, by ${cur.createdBy}, ${dateTimeText(cur.createdAt)})` : ''}</label>
        <textarea id="reminder-edit" class="tall" maxLength={10000} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        <p class="hint">Saving makes a new version: everyone is asked to read and acknowledge it again.</p>
        <Button type="submit" variant="primary" busy={busy} busyText="Saving…" disabled={!!cur && text.trim() === cur.text}>
          Save as a new version
        </Button>
      </form>
      <section class="card" aria-labelledby="acks-h">
        <div class="class-head">
          <h2 id="acks-h">Who has acknowledged version {acks.data?.currentVersion ?? '…'}</h2>
          <a class="btn btn-quiet" href="/api/admin/reminder/acknowledgements?format=csv" download>
            Download as CSV
          </a>
        </div>
        <LoadError error={acks.error} />
        {acks.data && (
          <div class="grid-2">
            <div>
              <h3>Acknowledged</h3>
              <ul class="plain-list">
                {acks.data.acknowledgements
                  .filter((a) => a.version === acks.data!.currentVersion)
                  .map((a) => (
                    <li key={a.user.id}>
                      {a.user.email} <span class="muted small">· {dateTimeText(a.acknowledgedAt)}</span>
                    </li>
                  ))}
              </ul>
            </div>
            <div>
              <h3>Not yet</h3>
              <ul class="plain-list">
                {acks.data.notYetAcknowledgedCurrent.length === 0 && <li class="muted">Everyone has read it.</li>}
                {acks.data.notYetAcknowledgedCurrent.map((u) => (
                  <li key={u.id}>{u.email}</li>
                ))}
              </ul>
            </div>
          </div>
        )}
      </section>
      {reminder.data && reminder.data.history.length > 0 && (
        <details class="card">
          <summary>Earlier versions ({reminder.data.history.length})</summary>
          <ol class="plain-list">
            {reminder.data.history.map((v) => (
              <li key={v.version}>
                <strong>Version {v.version}</strong> <span class="muted small">· {v.createdBy} · {dateTimeText(v.createdAt)}</span>
                <blockquote class="reminder-text small">{v.text}</blockquote>
              </li>
            ))}
          </ol>
        </details>
      )}
    </>
  );
}
