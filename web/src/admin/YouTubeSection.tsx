import { useState } from 'preact/hooks';
import { api, errorText, uploadFile } from '../shared/api';
import { Button, FlashLine, ProgressBar, useFlash } from '../shared/ui';
import { dateText, dateTimeText } from '../shared/words';
import { LoadError, Missing, SectionHead, useResource } from './common';
import type { YoutubeStatus } from '@contract';

type YouTubeStatus = YoutubeStatus;

const SOURCE_WORDS: Record<YouTubeStatus['source'], string> = {
  managed: 'Vetted’s own copy, kept current by the updater',
  system: 'the copy installed on the server (the updater replaces it with Vetted’s own at its first run)',
  configured: 'the copy your IT person manages (YTDLP_PATH); Vetted does not replace it',
  missing: 'not installed',
};

/**
 * How YouTube fetching is doing: yt-dlp's version and age, the JavaScript runtime, the daily update and its last
 * outcome, the warnings yt-dlp gave (no runtime, PO token, too old). For schools without internet access for
 * updates, the program can be uploaded here.
 */
export function YouTubeSection() {
  const { data, error, missing, reload, set } = useResource<YouTubeStatus>('/api/admin/youtube');
  const [busy, setBusy] = useState<'' | 'toggle' | 'update' | 'upload' | 'pot'>('');
  const [upload, setUpload] = useState<number | null>(null);
  const [flash, say, clear] = useFlash();

  const toggle = async () => {
    if (!data) return;
    setBusy('toggle');
    try {
      const next = await api<YouTubeStatus>('PUT', '/api/admin/youtube', { updaterEnabled: !data.updater.enabled });
      set(next);
      say('ok', next.updater.enabled ? 'yt-dlp will be updated every night.' : 'The nightly update is off. Remember to update yt-dlp by hand.');
    } catch (e) {
      say('error', errorText(e));
    } finally {
      setBusy('');
    }
  };

  const togglePot = async () => {
    if (!data?.network) return;
    setBusy('pot');
    try {
      const next = await api<YouTubeStatus>('PUT', '/api/admin/youtube', { potProviderEnabled: !data.network.potProvider });
      set(next);
      say('ok', next.network?.potProvider ? 'yt-dlp now asks the PO-token provider for tokens.' : 'The PO-token provider is off; yt-dlp loads no plugins.');
    } catch (e) {
      say('error', errorText(e));
    } finally {
      setBusy('');
    }
  };

  const updateNow = async () => {
    setBusy('update');
    try {
      await api('POST', '/api/admin/youtube/update');
      say('info', 'The update has started on the worker. This page shows the outcome in a minute or two (reload it).');
    } catch (e) {
      say('error', errorText(e));
    } finally {
      setBusy('');
    }
  };

  const send = async (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setBusy('upload');
    setUpload(0);
    try {
      const r = await uploadFile<{ version: string; status: YouTubeStatus }>('/api/admin/youtube/program', file, setUpload);
      set(r.status);
      say('ok', `yt-dlp ${r.version} is installed. The previous copy is kept in case you need to go back.`);
    } catch (err) {
      say('error', errorText(err));
    } finally {
      input.value = '';
      setBusy('');
      setUpload(null);
    }
  };

  return (
    <>
      <SectionHead title="YouTube">
        Vetted fetches YouTube videos with yt-dlp, which must stay current because YouTube changes often. This page shows
        how it is doing and what to do when it is not.
      </SectionHead>
      <FlashLine flash={flash} onClose={clear} />
      {missing ? <Missing what="the YouTube page" /> : <LoadError error={error} />}
      {data && (
        <>
          <section class="card" aria-labelledby="yt-warnings-h" data-testid="youtube-warnings">
            <h2 id="yt-warnings-h">{data.warnings.length ? `Needs attention (${data.warnings.length})` : 'All is well'}</h2>
            {data.warnings.length === 0 ? (
              <p class="muted">No warnings from yt-dlp or the updater.</p>
            ) : (
              <ul class="yt-warnings">
                {data.warnings.map((w) => (
                  <li key={`${w.code}-${w.at ?? ''}`}>
                    <p>{w.message}</p>
                    {(w.detail || w.at) && (
                      <p class="muted">
                        {w.at ? `Last seen ${dateText(w.at)}. ` : ''}
                        {w.detail ? <code>{w.detail}</code> : null}
                      </p>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section class="card" aria-labelledby="yt-program-h">
            <h2 id="yt-program-h">The downloader</h2>
            <dl class="yt-facts">
              <dt>Backend</dt>
              <dd>{data.backend === 'ytdl' ? 'ytdl-core (unmaintained; not recommended)' : 'yt-dlp'}</dd>
              <dt>yt-dlp version</dt>
              <dd data-testid="youtube-version">
                {data.version ?? 'none'}
                {data.ageDays !== null ? ` (${data.ageDays} day${data.ageDays === 1 ? '' : 's'} old)` : ''}
              </dd>
              <dt>Which copy</dt>
              <dd>{SOURCE_WORDS[data.source]}</dd>
              <dt>JavaScript runtime</dt>
              <dd>{data.runtime ? `${data.runtime.version ?? data.runtime.name}` : 'none'}</dd>
              {data.network && (
                <>
                  <dt>Ways through YouTube’s blocks</dt>
                  <dd data-testid="youtube-network">
                    {[data.network.schoolProxy && 'the school’s proxy', data.network.potProvider && 'a PO-token provider', data.network.cookies && 'a throwaway account’s cookies']
                      .filter(Boolean)
                      .join(', ') || 'none set up (see “YouTube from a data centre” in the README)'}
                  </dd>
                </>
              )}
            </dl>
          </section>
          {data.network?.potProviderConfigured && (
            <section class="card" aria-labelledby="yt-pot-h">
              <h2 id="yt-pot-h">PO-token provider</h2>
              <p>
                Your IT person has set up a PO-token provider, which helps when YouTube blocks the server. It is{' '}
                <strong>{data.network.potProvider ? 'on' : 'off'}</strong>. While it is on, yt-dlp may load the provider’s plugin
                and reach the provider’s address.
              </p>
              <Button busy={busy === 'pot'} disabled={busy !== ''} onClick={() => void togglePot()}>
                {data.network.potProvider ? 'Turn the PO-token provider off' : 'Turn the PO-token provider on'}
              </Button>
            </section>
          )}
          <section class="card" aria-labelledby="yt-update-h">
            <h2 id="yt-update-h">Updates</h2>
            {data.updater.managed ? (
              <>
                <p>
                  Nightly update: <strong>{data.updater.enabled ? 'on' : 'off'}</strong>. Each update is checked against the
                  checksums yt-dlp publishes and tried once before it is used; the previous copy is kept.
                </p>
                <p class="muted">
                  {data.updater.lastCheck ? `Last update attempt: ${dateTimeText(data.updater.lastCheck)}. ` : 'No update has run yet. '}
                  {data.updater.lastError ? `It failed: ${data.updater.lastError}` : data.updater.lastCheck ? 'It worked.' : ''}
                </p>
                <div class="row">
                  <Button variant="primary" busy={busy === 'update'} busyText="Starting…" disabled={busy !== ''} onClick={() => void updateNow()}>
                    Update now
                  </Button>
                  <Button busy={busy === 'toggle'} disabled={busy !== ''} onClick={() => void toggle()}>
                    {data.updater.enabled ? 'Turn the nightly update off' : 'Turn the nightly update on'}
                  </Button>
                  <Button variant="quiet" disabled={busy !== ''} onClick={() => void reload()}>
                    Reload
                  </Button>
                </div>
                <h3>No internet access for updates?</h3>
                <p class="muted">
                  Download the file <code>yt-dlp_linux</code> from yt-dlp’s release page on another computer, check it against the
                  release’s <code>SHA2-256SUMS</code>, and upload it here. It is tried once before it replaces the current copy.
                </p>
                <label class="btn">
                  Upload yt-dlp…
                  <input type="file" class="visually-hidden" disabled={busy !== ''} onChange={(e) => void send(e)} />
                </label>
                {upload !== null && <ProgressBar label="Uploading yt-dlp" value={upload} />}
              </>
            ) : (
              <p>Your IT person manages yt-dlp on this server (YTDLP_PATH), so Vetted does not update it.</p>
            )}
          </section>
        </>
      )}
    </>
  );
}
