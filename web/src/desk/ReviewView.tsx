import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText } from '../shared/api';
import { href } from '../shared/route';
import type { ClassInfo, Item, Playlist } from '../shared/types';
import { Button, Dialog, FlashLine, ProgressBar, useFlash, useTitle } from '../shared/ui';
import { clock, dateText, durationWords, isWorking, parseClock, statusText, statusTone, yesNo } from '../shared/words';
import { watchItem } from './live';

/**
 * The review view: the cleaned copy (video or page) with the automatic checks beside it, the
 * clip's start and end set with the player, and the decision — approve, reject, expiry, report.
 */
export function ReviewView({ id }: { id: string }) {
  const [item, setItem] = useState<Item | null>(null);
  const [playlist, setPlaylist] = useState<Playlist | null>(null);
  const [cls, setCls] = useState<ClassInfo | null>(null);
  const [loadError, setLoadError] = useState('');
  const [flash, say, clear] = useFlash();
  useTitle(item ? `Review: ${item.title} — Vetted` : 'Review — Vetted');

  useEffect(() => {
    (async () => {
      try {
        const it = await api<Item>('GET', `/api/items/${id}`);
        setItem(it);
        const p = await api<Playlist>('GET', `/api/playlists/${it.playlistId}`);
        setPlaylist(p);
        setCls((await api<{ classes: ClassInfo[] }>('GET', '/api/classes')).classes.find((c) => c.id === p.classId) ?? null);
      } catch (e) {
        setLoadError(errorText(e));
      }
    })();
  }, [id]);

  const status = item?.status;
  useEffect(() => {
    if (!item || !isWorking(item.status)) return;
    return watchItem(item.id, (next) => {
      setItem(next);
      if (next.status === 'awaiting_review') say('ok', 'The new copy is ready. Watch it, then approve it.');
      if (next.status === 'failed') say('error', next.error?.message ?? 'The copy could not be made.');
    });
  }, [item?.id, status]);

  if (loadError) return <p class="flash flash-error">{loadError}</p>;
  if (!item) return <p class="muted">Loading…</p>;

  const act = async (what: string, run: () => Promise<Item>, ok: string) => {
    try {
      const next = await run();
      setItem(next);
      say('ok', ok);
      return true;
    } catch (e) {
      say('error', `${what}: ${errorText(e)}`);
      return false;
    }
  };

  const boardName = cls ? `the ${cls.name} board` : 'the class board';

  return (
    <>
      <nav aria-label="Breadcrumbs">
        <ol class="breadcrumbs">
          <li>
            <a href="#/">Classes</a>
          </li>
          <li>{cls?.name ?? '…'}</li>
          <li>{playlist ? <a href={href('playlist', playlist.id)}>{playlist.name}</a> : '…'}</li>
        </ol>
      </nav>
      <div class="view-head review-head">
        <h1 class="break" data-testid="review-title">
          {item.title || item.url}
        </h1>
        <Rename item={item} onRenamed={(next) => setItem(next)} say={say} />
        <p class="row">
          <span class={`pill pill-${statusTone(item.status)}`} data-testid="review-status">
            {statusText(item)}
          </span>
          {item.status === 'approved' && item.expiresAt && <span class="muted">until {dateText(item.expiresAt)}</span>}
        </p>
      </div>
      <FlashLine flash={flash} onClose={clear} />
      <div class="review-grid">
        <div class="review-main">
          <Copy item={item} onClip={(start, end) =>
            act('Making the clip', () => api<Item>('POST', `/api/items/${item.id}/reprocess`, { startSeconds: start, endSeconds: end }),
              'Making the new clip. This page shows its progress; you can leave it and come back.')
          } />
        </div>
        <aside class="review-side" aria-label="Checks and decision">
          <Decision item={item} boardName={boardName} act={act} />
          <Checks item={item} />
        </aside>
      </div>
    </>
  );
}

type Act = (what: string, run: () => Promise<Item>, ok: string) => Promise<boolean>;

/** The title the board shows: the source's own, or the teacher's words for the class. */
function Rename({ item, onRenamed, say }: { item: Item; onRenamed: (i: Item) => void; say: (tone: 'ok' | 'error', text: string) => void }) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState(item.title);
  const [busy, setBusy] = useState(false);
  if (!open) {
    return (
      <p class="rename-line">
        <Button variant="quiet" onClick={() => (setTitle(item.title), setOpen(true))}>
          Rename
        </Button>
      </p>
    );
  }
  const save = async (e: Event) => {
    e.preventDefault();
    if (!title.trim()) return say('error', 'The title cannot be empty.');
    setBusy(true);
    try {
      onRenamed(await api<Item>('PATCH', `/api/items/${item.id}`, { title: title.trim() }));
      say('ok', 'Title saved. The board shows the new title.');
      setOpen(false);
    } catch (err) {
      say('error', errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="row rename" onSubmit={save}>
      <label class="visually-hidden" for="rename-title">
        Title
      </label>
      <input id="rename-title" type="text" maxLength={300} value={title} onInput={(e) => setTitle(e.currentTarget.value)} class="grow" />
      <Button type="submit" variant="primary" busy={busy} busyText="Saving…">
        Save title
      </Button>
      <Button variant="plain" onClick={() => setOpen(false)}>
        Cancel
      </Button>
    </form>
  );
}

/** The cleaned copy itself: a video with the clip tools, or the page copy in a sandboxed frame. */
function Copy({ item, onClip }: { item: Item; onClip: (start: number | null, end: number | null) => Promise<boolean> }) {
  if (isWorking(item.status)) {
    return (
      <div class="card copy-waiting" data-testid="review-progress">
        <h2>{statusText(item)}</h2>
        <ProgressBar
          value={item.status === 'queued' ? undefined : item.progress}
          label="Progress of the copy"
          text={item.status === 'queued' ? '' : `${item.progress}%`}
        />
        <p class="muted">
          Vetted is making a clean copy — no adverts, no suggested videos, no comments. It appears here when it is ready.
        </p>
      </div>
    );
  }
  if (item.status === 'failed') {
    return (
      <div class="card copy-failed">
        <h2>This could not be prepared</h2>
        <p class="item-error" data-testid="review-error">
          {item.error?.message ?? 'Something went wrong while preparing it.'}
        </p>
        <Button variant="primary" onClick={() => void onClip(item.startSeconds, item.endSeconds)}>
          Try again
        </Button>
      </div>
    );
  }
  if (!item.media) {
    return <p class="card empty">{item.status === 'removed' ? 'Its copy was deleted when it was removed.' : 'There is no copy to show.'}</p>;
  }
  if (item.kind === 'webpage' && item.media.page) {
    return (
      <div class="page-copy">
        <p class="muted small">
          The clean copy of the page that you are vetting. On the board, an approved site opens as a tile that goes to
          the live site.
        </p>
        {/* No scripts may run (the copy has none, and its own CSP forbids them); same-origin only so its stored pictures load. */}
        <iframe src={item.media.page} sandbox="allow-same-origin" title={`Clean copy of ${item.title}`} data-testid="page-copy" />
      </div>
    );
  }
  return <VideoReview item={item} onClip={onClip} />;
}

function VideoReview({ item, onClip }: { item: Item; onClip: (start: number | null, end: number | null) => Promise<boolean> }) {
  const video = useRef<HTMLVideoElement>(null);
  // The copy on screen is already cut: its 0:00 is the clip's start in the original.
  const base = item.startSeconds ?? 0;
  const copyLength = item.durationSeconds ?? 0;
  const [start, setStart] = useState(clock(base));
  const [end, setEnd] = useState(item.endSeconds != null ? clock(item.endSeconds) : clock(base + copyLength));
  const [now, setNow] = useState(0);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const canClip = ['awaiting_review', 'approved'].includes(item.status);

  const here = () => base + (video.current?.currentTime ?? 0);
  const startS = parseClock(start);
  const endS = parseClock(end);
  const changed = startS !== base || Math.abs((endS ?? 0) - (item.endSeconds ?? base + copyLength)) >= 0.5;

  const make = async (e: Event) => {
    e.preventDefault();
    setError('');
    if (startS === undefined || endS === undefined) return setError('Write the times as minutes:seconds, for example 1:05.');
    if (endS <= startS) return setError('The end must come after the start.');
    setBusy(true);
    // The end of the whole video needs no end mark; only cut what the teacher cut.
    const wholeEnd = item.endSeconds == null && Math.abs(endS - (base + copyLength)) < 0.5;
    await onClip(startS > 0 ? startS : null, wholeEnd ? null : endS);
    setBusy(false);
  };

  const preview = () => {
    const v = video.current;
    if (!v || startS === undefined) return;
    v.currentTime = Math.max(0, startS - base);
    void v.play().catch(() => undefined);
  };

  return (
    <div class="video-review">
      <video
        ref={video}
        class="review-video"
        src={item.media?.video}
        poster={item.media?.poster}
        controls
        preload="metadata"
        playsInline
        data-testid="review-video"
        onTimeUpdate={(e) => {
          setNow(e.currentTarget.currentTime);
          // Previewing the new clip: stop at its end mark.
          if (endS !== undefined && base + e.currentTarget.currentTime >= endS && endS < base + copyLength - 0.25) e.currentTarget.pause();
        }}
      >
        {item.media?.captions && <track kind="captions" src={item.media.captions} srclang="en" label="English" />}
      </video>
      {canClip && (
        <form class="card clip-tools" onSubmit={make} aria-labelledby="clip-h">
          <h2 id="clip-h">Trim the clip</h2>
          <p class="muted small">
            Play or scrub to a moment, then press “Start here” or “End here”. {item.startSeconds != null || item.endSeconds != null
              ? `This copy is ${clock(base)}–${clock(base + copyLength)} of the original.`
              : `The whole video is ${clock(copyLength)} long.`}{' '}
            <span aria-live="off">Now at {clock(base + now)}.</span>
          </p>
          <div class="clip-row">
            <div class="field">
              <label for="clip-start">Start</label>
              <input id="clip-start" type="text" inputMode="decimal" value={start} onInput={(e) => setStart(e.currentTarget.value)} aria-describedby="clip-error" />
              <Button variant="plain" class="wide" onClick={() => setStart(clock(here()))}>
                Start here
              </Button>
            </div>
            <div class="field">
              <label for="clip-end">End</label>
              <input id="clip-end" type="text" inputMode="decimal" value={end} onInput={(e) => setEnd(e.currentTarget.value)} aria-describedby="clip-error" />
              <Button variant="plain" class="wide" onClick={() => setEnd(clock(Math.ceil(here())))}>
                End here
              </Button>
            </div>
          </div>
          <p id="clip-error" class="field-error" role="alert">
            {error}
          </p>
          <div class="row">
            <Button variant="plain" onClick={preview}>
              Play from the start mark
            </Button>
            <Button type="submit" variant="primary" busy={busy} busyText="Sending…" disabled={!changed}>
              Make this clip
            </Button>
            {(item.startSeconds != null || item.endSeconds != null) && (
              <Button variant="quiet" onClick={() => void onClip(null, null)}>
                Use the whole video again
              </Button>
            )}
          </div>
          {item.status === 'approved' && (
            <p class="hint">Making a new clip takes this video off the board until you approve the new copy.</p>
          )}
        </form>
      )}
    </div>
  );
}

function Decision({ item, boardName, act }: { item: Item; boardName: string; act: Act }) {
  const [rejecting, setRejecting] = useState(false);
  const [reporting, setReporting] = useState(false);
  const [reason, setReason] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState('');
  const [expiry, setExpiry] = useState(item.expiresAt ? toDateInput(item.expiresAt) : '');
  useEffect(() => setExpiry(item.expiresAt ? toDateInput(item.expiresAt) : ''), [item.expiresAt]);

  const run = async (key: string, what: string, fn: () => Promise<Item>, ok: string) => {
    setBusy(key);
    const done = await act(what, fn, ok);
    setBusy('');
    return done;
  };

  const approve = () =>
    run('approve', 'Approving', () => api<Item>('POST', `/api/items/${item.id}/approve`), `Approved. It is on ${boardName} now.`);
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
      setReason('');
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
      setNote('');
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
          <p>{item.kind === 'webpage' ? 'Read the copy, check the facts below, then decide.' : 'Watch it, check the facts below, then decide.'}</p>
          <div class="row">
            <Button variant="good" busy={busy === 'approve'} busyText="Approving…" onClick={() => void approve()}>
              Approve for the board
            </Button>
            <Button variant="bad" onClick={() => setRejecting(true)}>
              Reject…
            </Button>
          </div>
        </>
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

      {['awaiting_review', 'approved'].includes(item.status) && (
        <p class="report-line">
          <Button variant="quiet" onClick={() => setReporting(true)}>
            Report a problem with this…
          </Button>
        </p>
      )}

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

function toDateInput(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

const FLAG_WORDS: Record<string, string> = {
  age_restricted: 'The source marks it as age-restricted.',
  not_family_safe: 'The source does not mark it as family-safe.',
  kind_mismatch: 'It was added to a playlist of a different kind.',
};

/** The facts gathered automatically while the copy was made. */
function Checks({ item }: { item: Item }) {
  const c = item.checks;
  const rule = c?.domainRule;
  return (
    <section class="card checks" aria-labelledby="checks-h" data-testid="checks">
      <h2 id="checks-h">Checks</h2>
      <dl>
        <dt>Kind</dt>
        <dd>{item.kind === 'video' ? 'Video' : 'Web page'}</dd>
        {item.kind === 'video' && (
          <>
            <dt>Length</dt>
            <dd>
              {clock(c?.durationSeconds ?? item.durationSeconds)} <span class="visually-hidden">({durationWords(c?.durationSeconds ?? item.durationSeconds)})</span>
            </dd>
          </>
        )}
        <dt>{item.kind === 'video' ? 'Channel' : 'Site'}</dt>
        <dd class="break">{c?.channel ?? c?.site ?? item.source?.name ?? 'Not stated'}</dd>
        {item.kind === 'video' && (
          <>
            <dt>Age-restricted</dt>
            <dd class={c?.ageRestricted ? 'warn' : ''}>{yesNo(c?.ageRestricted, 'Yes — check carefully', 'No')}</dd>
            <dt>Made for kids</dt>
            <dd>{yesNo(c?.madeForKids)}</dd>
            <dt>Family-safe</dt>
            <dd class={c?.familySafe === false ? 'warn' : ''}>{yesNo(c?.familySafe)}</dd>
            <dt>Captions</dt>
            <dd>{c?.captions ? 'Yes (the board can show them)' : 'None'}</dd>
          </>
        )}
        <dt>Domain rule</dt>
        <dd class={rule?.action === 'block' ? 'warn' : ''}>
          {rule ? `${rule.action === 'allow' ? 'Allowed by' : 'Blocked by'} ${rule.pattern}` : 'No school rule matched'}
        </dd>
        {item.source?.author && (
          <>
            <dt>Author</dt>
            <dd class="break">{item.source.author}</dd>
          </>
        )}
        <dt>Licence</dt>
        <dd class="break">{item.source?.licence ?? 'Not stated'}</dd>
        <dt>Original</dt>
        <dd class="break">
          <a href={item.source?.url ?? item.url} target="_blank" rel="noopener noreferrer">
            {item.source?.url ?? item.url}
          </a>
        </dd>
      </dl>
      {(c?.flags.length || c?.redirectsTo || c?.reusedFrom || item.notice) && (
        <>
          <h3>Notices</h3>
          <ul class="notices">
            {c?.flags.map((f) => <li key={f}>{FLAG_WORDS[f] ?? f.replace(/_/g, ' ')}</li>)}
            {c?.redirectsTo && <li class="break">The link led on to {c.redirectsTo}.</li>}
            {item.notice && <li>{item.notice.message}</li>}
            {c?.reusedFrom && <li>This copy was already made for another playlist, so it was ready at once. It still needs your approval.</li>}
          </ul>
        </>
      )}
    </section>
  );
}
