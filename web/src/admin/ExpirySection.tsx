import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../shared/api';
import { Button, FlashLine, useFlash } from '../shared/ui';
import { dateText, scheduleWords } from '../shared/words';
import { LoadError, Missing, SectionHead, useResource } from './common';
import type { SchoolSettings } from '@contract';

type Settings = SchoolSettings;

type Mode = 'none' | 'days' | 'until';

/** The school's default expiry: what an approved item gets when its teacher sets no date of their own. */
export function ExpirySection() {
  const { data, error, missing, reload } = useResource<Settings>('/api/admin/settings');
  const [mode, setMode] = useState<Mode>('none');
  const [days, setDays] = useState('30');
  const [until, setUntil] = useState('');
  const [busy, setBusy] = useState(false);
  const [flash, say, clear] = useFlash();

  useEffect(() => {
    const d = data?.defaultExpiry;
    if (!data) return;
    if (d?.until) {
      setMode('until');
      setUntil(d.until.slice(0, 10));
    } else if (d?.days) {
      setMode('days');
      setDays(String(d.days));
    } else setMode('none');
  }, [data]);

  const save = async (e: Event) => {
    e.preventDefault();
    let defaultExpiry: Settings['defaultExpiry'] = null;
    if (mode === 'days') {
      const n = Number(days);
      if (!Number.isInteger(n) || n < 1) return say('error', 'Type a whole number of days, 1 or more.');
      defaultExpiry = { days: n };
    }
    if (mode === 'until') {
      if (!until) return say('error', 'Choose a date, for example the last day of term.');
      defaultExpiry = { until };
    }
    setBusy(true);
    try {
      await api('PUT', '/api/admin/settings', { defaultExpiry });
      say(
        'ok',
        mode === 'none'
          ? 'No default: approved items stay until a teacher sets a date or takes them off.'
          : mode === 'days'
            ? `Approved items now leave the boards ${defaultExpiry?.days} days after approval, unless the teacher sets a date.`
            : `Approved items now leave the boards at the end of ${dateText(`${until}T12:00:00`)}, unless the teacher sets a date.`,
      );
      await reload();
    } catch (err) {
      say('error', errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <SectionHead title="Expiry">
        Every approved item can have a date after which it leaves every board. Teachers can set their own date per item; this
        is the school’s default.
      </SectionHead>
      <FlashLine flash={flash} onClose={clear} />
      {missing ? <Missing what="school settings" /> : <LoadError error={error} />}
      <form class="card admin-form" onSubmit={save}>
        <fieldset>
          <legend>When an approved item has no date of its own</legend>
          <label class="check">
            <input type="radio" name="exp" checked={mode === 'none'} onChange={() => setMode('none')} />
            <span>It stays until someone takes it off</span>
          </label>
          <label class="check">
            <input type="radio" name="exp" checked={mode === 'days'} onChange={() => setMode('days')} />
            <span>It leaves the boards a number of days after approval</span>
          </label>
          {mode === 'days' && (
            <div class="field indent">
              <label for="exp-days">Days</label>
              <input id="exp-days" type="number" min={1} max={3660} value={days} onInput={(e) => setDays(e.currentTarget.value)} />
            </div>
          )}
          <label class="check">
            <input type="radio" name="exp" checked={mode === 'until'} onChange={() => setMode('until')} />
            <span>It leaves the boards on a date (for example the end of term)</span>
          </label>
          {mode === 'until' && (
            <div class="field indent">
              <label for="exp-until">Date</label>
              <input id="exp-until" type="date" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
            </div>
          )}
        </fieldset>
        <Button type="submit" variant="primary" busy={busy} busyText="Saving…">
          Save
        </Button>
      </form>
      {data && <WatchingSetting on={data.approvalNeedsWatching !== false} onSaved={() => void reload()} />}
      {data?.purgeAfterDays !== undefined && (
        <section class="card">
          <h2>Keeping and purging</h2>
          <p>
            Expired, rejected, failed and removed items are kept for <strong>{data.purgeAfterDays} days</strong>, then the purge
            deletes them{data.purgeSchedule ? ` (it runs ${scheduleWords(data.purgeSchedule)})` : ''}. The retention period is
            set by whoever installed Vetted (PURGE_AFTER_DAYS). You can also run the purge yourself under <a href="#/purge">Purge</a>.
          </p>
        </section>
      )}
    </>
  );
}

/** Approval follows watching (issue 15): on by default; the school may turn it off. */
function WatchingSetting({ on, onSaved }: { on: boolean; onSaved: () => void }) {
  const [flash, say, clear] = useFlash();
  const [busy, setBusy] = useState(false);
  const [value, setValue] = useState(on);
  useEffect(() => setValue(on), [on]);
  const toggle = async (next: boolean) => {
    setValue(next);
    setBusy(true);
    try {
      await api('PUT', '/api/admin/settings', { approvalNeedsWatching: next });
      say('ok', next ? 'Teachers approve only what they have watched or read to the end.' : 'Teachers may approve without watching in Vetted.');
      onSaved();
    } catch (e) {
      setValue(!next);
      say('error', errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="watching-h">
      <h2 id="watching-h">Watch before approving</h2>
      <FlashLine flash={flash} onClose={clear} />
      <label class="check">
        <input type="checkbox" checked={value} disabled={busy} onChange={(e) => void toggle(e.currentTarget.checked)} data-testid="approval-needs-watching" />
        <span>
          A teacher can approve a video only after playing it to the end in Vetted (up to twice the speed), and a page only after
          scrolling through it — or by saying they watched it elsewhere, which the audit log records. Recommended.
        </span>
      </label>
    </section>
  );
}
