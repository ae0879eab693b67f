import { useState } from 'preact/hooks';
import { api, errorText } from '../shared/api';
import { Button, FlashLine, useFlash } from '../shared/ui';
import { LoadError, Missing, SectionHead, useResource } from './common';
import type { DomainRule, Recheck } from '@contract';

type Rule = DomainRule;

function recheckText(r: Recheck | null | undefined): string {
  const n = r?.quarantined.length ?? 0;
  return n ? ` ${n} live item${n === 1 ? '' : 's'} now matched a block and ${n === 1 ? 'was' : 'were'} taken off the boards (see Incidents).` : '';
}

/** The filtering policy: allow and block rules by domain, a bulk import, a link checker, and allow-list-only site lists. */
export function FilteringSection() {
  const rules = useResource<{ rules: Rule[]; sitesAllowListOnly: boolean }>('/api/admin/domain-rules');
  const [flash, say, clear] = useFlash();
  const [pattern, setPattern] = useState('');
  const [action, setAction] = useState<'allow' | 'block'>('block');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState('');
  const [importText, setImportText] = useState('');
  const [importAction, setImportAction] = useState<'allow' | 'block'>('block');
  const [checkUrl, setCheckUrl] = useState('');
  const [verdict, setVerdict] = useState('');

  const add = async (e: Event) => {
    e.preventDefault();
    if (!pattern.trim()) return say('error', 'Type a domain such as example.com or *.example.com.');
    setBusy('add');
    try {
      const r = await api<{ rule: Rule; created: boolean; recheck?: Recheck }>('POST', '/api/admin/domain-rules', {
        pattern: pattern.trim(),
        action,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      say('ok', `${r.created ? 'Added' : 'Updated'}: ${r.rule.action} ${r.rule.pattern}.${recheckText(r.recheck)}`);
      setPattern('');
      setNote('');
      await rules.reload();
    } catch (err) {
      say('error', errorText(err));
    } finally {
      setBusy('');
    }
  };

  const remove = async (r: Rule) => {
    setBusy(r.id);
    try {
      const res = await api<{ recheck?: Recheck }>('DELETE', `/api/admin/domain-rules/${r.id}`);
      say('ok', `Removed: ${r.action} ${r.pattern}.${recheckText(res.recheck)}`);
      await rules.reload();
    } catch (err) {
      say('error', errorText(err));
    } finally {
      setBusy('');
    }
  };

  const importList = async (e: Event) => {
    e.preventDefault();
    if (!importText.trim()) return say('error', 'Paste a list of domains, one a line.');
    setBusy('import');
    try {
      const r = await api<{ added: number; changed: number; unchanged: number; skippedCount: number; recheck?: Recheck }>(
        'POST',
        '/api/admin/domain-rules/import',
        { text: importText, action: importAction },
      );
      say(
        'ok',
        `Imported: ${r.added} added, ${r.changed} changed, ${r.unchanged} already there${r.skippedCount ? `, ${r.skippedCount} lines skipped (not domains)` : ''}.${recheckText(r.recheck)}`,
      );
      setImportText('');
      await rules.reload();
    } catch (err) {
      say('error', errorText(err));
    } finally {
      setBusy('');
    }
  };

  const check = async (e: Event) => {
    e.preventDefault();
    setVerdict('');
    if (!checkUrl.trim()) return;
    try {
      const r = await api<{ host: string; allowed: boolean; reason: string; rule: Rule | null }>(
        'GET',
        `/api/admin/domain-rules/check?url=${encodeURIComponent(checkUrl.trim())}`,
      );
      setVerdict(
        `${r.host}: ${r.allowed ? 'allowed' : 'refused'}${r.rule ? ` by the rule “${r.rule.action} ${r.rule.pattern}”` : r.allowed ? ' (no rule matches)' : ' (not on the allow list)'}.`,
      );
    } catch (err) {
      setVerdict(errorText(err));
    }
  };

  const toggleAllowListOnly = async (on: boolean) => {
    setBusy('mode');
    try {
      const r = await api<{ recheck?: Recheck | null }>('PUT', '/api/admin/settings', { sitesAllowListOnly: on });
      say('ok', (on ? 'Site lists may now use only allow-listed domains.' : 'Site lists may use any domain that is not blocked.') + recheckText(r.recheck));
      await rules.reload();
    } catch (err) {
      say('error', errorText(err));
    } finally {
      setBusy('');
    }
  };

  const list = rules.data?.rules ?? [];
  return (
    <>
      <SectionHead title="Filtering rules">
        Links to a blocked domain are refused when a teacher adds them, and a fetch that redirects into one fails. A change
        re-checks everything on the boards at once.
      </SectionHead>
      <FlashLine flash={flash} onClose={clear} />
      {rules.missing ? <Missing what="filtering rules" /> : <LoadError error={rules.error} />}
      <form class="card admin-form" onSubmit={add}>
        <h2>Add a rule</h2>
        <div class="form-grid">
          <div class="field">
            <label for="rule-pattern">Domain</label>
            <input
              id="rule-pattern"
              type="text"
              placeholder="example.com, or paste a link"
              value={pattern}
              onInput={(e) => setPattern(e.currentTarget.value)}
              aria-describedby="rule-hint"
            />
            <p id="rule-hint" class="hint">
              example.com and *.example.com both cover example.com and every name under it (www.example.com,
              kids.example.com…). You can paste a full link: its domain is used.
            </p>
          </div>
          <fieldset>
            <legend>Action</legend>
            <div class="radio-row">
              <label>
                <input type="radio" name="rule-action" checked={action === 'block'} onChange={() => setAction('block')} /> Block
              </label>
              <label>
                <input type="radio" name="rule-action" checked={action === 'allow'} onChange={() => setAction('allow')} /> Allow
              </label>
            </div>
          </fieldset>
          <div class="field">
            <label for="rule-note">Note (optional)</label>
            <input id="rule-note" type="text" maxLength={500} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          </div>
        </div>
        <Button type="submit" variant="primary" busy={busy === 'add'} busyText="Saving…">
          Save rule
        </Button>
      </form>
      <section class="card" aria-labelledby="rules-h">
        <h2 id="rules-h">Rules ({list.length})</h2>
        {rules.data && (
          <label class="check">
            <input
              type="checkbox"
              checked={rules.data.sitesAllowListOnly}
              disabled={busy === 'mode'}
              onChange={(e) => void toggleAllowListOnly(e.currentTarget.checked)}
            />
            <span>Site lists may use only domains on the allow list</span>
          </label>
        )}
        {list.length === 0 ? (
          <p class="muted">No rules yet: every domain may be used, and teachers vet each link.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Domain</th>
                  <th scope="col">Action</th>
                  <th scope="col">Note</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((r) => (
                  <tr key={r.id} data-testid="rule-row">
                    <td>{r.pattern}</td>
                    <td>
                      <span class={`pill ${r.action === 'block' ? 'pill-bad' : 'pill-good'}`}>{r.action === 'block' ? 'Block' : 'Allow'}</span>
                    </td>
                    <td>{r.note ?? ''}</td>
                    <td>
                      <Button variant="quiet" busy={busy === r.id} busyText="Removing…" onClick={() => void remove(r)}>
                        Remove<span class="visually-hidden"> the rule for {r.pattern}</span>
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <div class="grid-2">
        <form class="card admin-form" onSubmit={check}>
          <h2>Try a link</h2>
          <label for="check-url">Link or domain</label>
          <input id="check-url" type="text" value={checkUrl} onInput={(e) => setCheckUrl(e.currentTarget.value)} />
          <p role="status" class="verdict">
            {verdict}
          </p>
          <Button type="submit" variant="plain">
            Check
          </Button>
        </form>
        <form class="card admin-form" onSubmit={importList}>
          <h2>Import a list</h2>
          <label for="import-text">Domains, one a line (for example from your web filter)</label>
          <textarea id="import-text" value={importText} onInput={(e) => setImportText(e.currentTarget.value)} />
          <fieldset>
            <legend>Make them</legend>
            <div class="radio-row">
              <label>
                <input type="radio" name="import-action" checked={importAction === 'block'} onChange={() => setImportAction('block')} /> Block rules
              </label>
              <label>
                <input type="radio" name="import-action" checked={importAction === 'allow'} onChange={() => setImportAction('allow')} /> Allow rules
              </label>
            </div>
          </fieldset>
          <Button type="submit" variant="plain" busy={busy === 'import'} busyText="Importing…">
            Import
          </Button>
        </form>
      </div>
    </>
  );
}
