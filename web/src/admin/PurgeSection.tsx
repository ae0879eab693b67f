import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorText } from '../shared/api';
import { Button, Dialog, FlashLine, ProgressBar, useFlash } from '../shared/ui';
import { bytesText } from '../shared/words';
import { Missing, SectionHead } from './common';
import type { PurgeResult, StorageReport } from '@contract';



const STATUS_WORDS: Record<string, string> = { expired: 'Expired', rejected: 'Rejected', failed: 'Failed', removed: 'Removed' };

/**
 * The purge: first a dry run that lists exactly what would be deleted and the space it frees, then the
 * real run (with a progress bar while it works), then a storage check that nothing was left behind.
 */
export function PurgeSection() {
  const [preview, setPreview] = useState<PurgeResult | null>(null);
  const [result, setResult] = useState<PurgeResult | null>(null);
  const [phase, setPhase] = useState<'idle' | 'previewing' | 'confirm' | 'running' | 'checking'>('idle');
  const [missing, setMissing] = useState(false);
  const [storage, setStorage] = useState<StorageReport | null>(null);
  const [flash, say, clear] = useFlash();
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);

  // While the real purge runs, ask the server how far it has got (the POST answers only at the end).
  useEffect(() => {
    if (phase !== 'running') {
      setProgress(null);
      return;
    }
    let stop = false;
    const tick = async () => {
      const p = await api<{ running: boolean; done: number; total: number }>('GET', '/api/admin/purge/progress').catch(() => null);
      if (!stop && p && p.total > 0) setProgress({ done: p.done, total: p.total });
    };
    const timer = setInterval(() => void tick(), 400);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [phase]);

  const run = async (dryRun: boolean) => {
    setPhase(dryRun ? 'previewing' : 'running');
    try {
      const r = await api<PurgeResult>('POST', '/api/admin/purge', { dryRun });
      if (dryRun) {
        setPreview(r);
        setResult(null);
        say('info', r.items.length ? `${r.items.length} item${r.items.length === 1 ? '' : 's'} would be deleted, freeing ${bytesText(r.bytes)}.` : 'Nothing to purge.');
      } else {
        setResult(r);
        setPreview(null);
        say('ok', `Purged ${r.items.length} item${r.items.length === 1 ? '' : 's'}, freeing ${bytesText(r.bytes)}. It is in the audit log.`);
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 404 && e.code === 'not_found') setMissing(true);
      say('error', errorText(e));
    } finally {
      setPhase('idle');
    }
  };

  const check = async () => {
    setPhase('checking');
    try {
      setStorage(await api<StorageReport>('GET', '/api/admin/storage'));
    } catch (e) {
      say('error', errorText(e));
    } finally {
      setPhase('idle');
    }
  };

  const shown = result ?? preview;
  return (
    <>
      <SectionHead title="Purge">
        Deletes the copies and records of expired, rejected, failed and removed items once the school’s retention period
        {preview?.retentionDays !== undefined ? ` (${preview.retentionDays} days)` : ''} has passed. Reported items and their
        incident records are kept. Preview first: nothing is deleted until you confirm.
      </SectionHead>
      <FlashLine flash={flash} onClose={clear} />
      {missing && <Missing what="the purge" />}
      <section class="card" aria-labelledby="purge-h">
        <h2 id="purge-h">1. See what would be deleted</h2>
        <div class="row">
          <Button variant="primary" busy={phase === 'previewing'} busyText="Looking…" disabled={phase !== 'idle' && phase !== 'previewing'} onClick={() => void run(true)}>
            Preview the purge
          </Button>
          {preview && preview.items.length > 0 && (
            <Button variant="bad" disabled={phase !== 'idle'} onClick={() => setPhase('confirm')}>
              Delete these {preview.items.length} items…
            </Button>
          )}
        </div>
        {phase === 'running' && (
          <div class="purge-progress" data-testid="purge-progress">
            <ProgressBar
              label="Purge in progress"
              value={progress ? Math.round((progress.done / progress.total) * 100) : undefined}
              text={progress ? `${progress.done} of ${progress.total}` : undefined}
            />
            <p class="muted">Deleting {preview?.items.length ?? ''} items… Keep this page open.</p>
          </div>
        )}
        {shown && (
          <div class="purge-result" data-testid={shown.dryRun ? 'purge-preview' : 'purge-done'}>
            {!shown.dryRun && <ProgressBar value={100} label="Purge finished" text="Done" />}
            <p class="purge-summary">
              <strong>{shown.dryRun ? 'Would delete' : 'Deleted'}:</strong> {shown.items.length} item{shown.items.length === 1 ? '' : 's'},{' '}
              {bytesText(shown.bytes)} {shown.dryRun ? 'would be freed' : 'freed'}.
              {shown.skipped ? ` ${shown.skipped} were being deleted by another purge at the same moment.` : ''}
            </p>
            {shown.items.length > 0 && (
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Item</th>
                      <th scope="col">Status</th>
                      <th scope="col">Size</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.items.map((i) => (
                      <tr key={i.id} data-testid="purge-row">
                        <td>{i.title || i.id}</td>
                        <td>{STATUS_WORDS[i.status] ?? i.status}</td>
                        <td class="nowrap">{bytesText(i.bytes)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="storage-h">
        <h2 id="storage-h">2. Check the storage</h2>
        <p class="muted">Compares the media folder with the records both ways. After a purge both lists should be empty.</p>
        <Button variant="plain" busy={phase === 'checking'} busyText="Checking…" disabled={phase !== 'idle' && phase !== 'checking'} onClick={() => void check()}>
          Check the storage
        </Button>
        {storage && (
          <p role="status" data-testid="storage-report">
            {storage.filesWithoutItem.length === 0 && storage.itemsWithMissingFiles.length === 0
              ? 'All clear: every file belongs to an item, and every item has its files.'
              : `${storage.filesWithoutItem.length} folder(s) without an item; ${storage.itemsWithMissingFiles.length} item(s) with missing files. Run “npm run cli -- storage check” on the server for details.`}
          </p>
        )}
      </section>
      <Dialog open={phase === 'confirm'} title="Delete for good?" onClose={() => setPhase('idle')}>
        <p>
          {preview?.items.length} items and their copies ({bytesText(preview?.bytes ?? 0)}) will be deleted. This cannot be
          undone. The audit log records what went.
        </p>
        <div class="row end">
          <Button variant="plain" onClick={() => setPhase('idle')}>
            Cancel
          </Button>
          <Button variant="bad" onClick={() => void run(false)}>
            Delete them
          </Button>
        </div>
      </Dialog>
    </>
  );
}
