import { useState } from 'preact/hooks';
import { SectionHead, LoadError, Missing, useResource } from './common';
import { actionWords } from './audit-words';
import { dateTimeText } from '../shared/words';
import type { AuditEntry } from '@contract';

type Entry = AuditEntry;

interface Filters {
  action: string;
  actor: string;
  target: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { action: '', actor: '', target: '', from: '', to: '' };
const COMMON_ACTIONS = [
  'login', 'login.failed', 'item.*', 'item.submit', 'item.approve', 'item.reject', 'item.delete', 'incident.*', 'rule.*',
  'reminder.*', 'user.*', 'purge', 'purge.dry_run', 'settings.update',
];

function query(f: Filters, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...extra })) if (v.trim()) q.set(k, v.trim());
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The audit log, newest first, with filters and the same filters applied to the CSV export. */
export function AuditSection() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const { data, error, missing } = useResource<{ entries: Entry[] }>(`/api/admin/audit${query(applied, { limit: '500' })}`);
  const field = (k: keyof Filters) => ({
    value: draft[k],
    onInput: (e: Event) => setDraft({ ...draft, [k]: (e.currentTarget as HTMLInputElement).value }),
  });

  return (
    <>
      <SectionHead title="Audit log">
        Every sign-in, submission, decision, report, policy change, purge and account change — who, when, what, from where.
        It can only grow.
      </SectionHead>
      {missing ? <Missing what="the audit log" /> : <LoadError error={error} />}
      <form
        class="card audit-filters"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(draft);
        }}
      >
        <div class="filter-grid">
          <div class="field">
            <label for="f-action">Action</label>
            <input id="f-action" type="text" list="actions" placeholder="e.g. item.*" {...field('action')} />
            <datalist id="actions">
              {COMMON_ACTIONS.map((a) => (
                <option key={a} value={a} />
              ))}
            </datalist>
          </div>
          <div class="field">
            <label for="f-actor">Who</label>
            <input id="f-actor" type="text" placeholder="an email, board, system" {...field('actor')} />
          </div>
          <div class="field">
            <label for="f-target">Target</label>
            <input id="f-target" type="text" placeholder="e.g. item:*" {...field('target')} />
          </div>
          <div class="field">
            <label for="f-from">From</label>
            <input id="f-from" type="date" {...field('from')} />
          </div>
          <div class="field">
            <label for="f-to">To</label>
            <input id="f-to" type="date" {...field('to')} />
          </div>
        </div>
        <div class="row">
          <button type="submit" class="btn btn-primary">
            Show
          </button>
          <button
            type="button"
            class="btn btn-plain"
            onClick={() => {
              setDraft(EMPTY);
              setApplied(EMPTY);
            }}
          >
            Clear filters
          </button>
          <a class="btn btn-quiet" href={`/api/admin/audit${query(applied, { format: 'csv' })}`} download data-testid="audit-csv">
            Download these as CSV
          </a>
        </div>
      </form>
      <p role="status" class="muted small">
        {data ? `${data.entries.length} entr${data.entries.length === 1 ? 'y' : 'ies'}${data.entries.length >= 500 ? ' (the newest 500; download the CSV for all)' : ''}.` : 'Loading…'}
      </p>
      {data && (
        // A wide log scrolls sideways on a narrow screen: the region takes focus so the keyboard can scroll it too.
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Audit log entries">
          <table class="audit-table">
            <caption class="visually-hidden">Audit log entries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">What</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {data.entries.map((e) => (
                <tr key={e.id} data-testid="audit-row">
                  <td class="nowrap">{dateTimeText(e.at)}</td>
                  <td>{e.actor}</td>
                  <td>
                    {actionWords(e.action)}
                    <br />
                    <code class="small muted">{e.action}</code>
                  </td>
                  <td>{e.targetLabel ?? e.target ?? ''}</td>
                  <td class="small">{e.ip ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
