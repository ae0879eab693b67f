import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, errorText } from '../shared/api';
import { go, href } from '../shared/route';
import type { ClassInfo, Item, Playlist } from '../shared/types';
import { FlashLine, useFlash, useTitle } from '../shared/ui';
import { dateText, isWorking, statusText, statusTone } from '../shared/words';
import { useAttentionSummary } from './attention';
import { watchItem } from './live';
import { Checks } from './review/Checks';
import { Copy } from './review/Copy';
import { Decision } from './review/Decision';
import { IncidentPanel } from './review/IncidentPanel';
import { neighbours, QueueNav, useReviewQueue } from './review/QueueNav';
import { Rename } from './review/Rename';
import { VettingAids } from './review/VettingAids';
import { useWatching } from './review/watching';

/** How often a settled item is re-read, so a colleague's decision shows without reloading. */
const COLLEAGUE_POLL_MS = 5000;

const COLLEAGUE_WORDS: Partial<Record<Item['status'], string>> = {
  approved: 'A colleague approved this meanwhile: it is on the board now.',
  rejected: 'A colleague rejected this meanwhile: it will not reach the board.',
  quarantined: 'Someone reported this meanwhile: it is off every board until the e-safety lead decides.',
  removed: 'The e-safety lead removed this.',
  expired: 'Its date passed: it is off the board.',
};

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
  const watching = useWatching(item);
  const queue = useReviewQueue(item?.status);
  // Set while this page itself changes the item, so the change is not taken for a colleague's.
  const acting = useRef(false);
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

  // A colleague's decision (or a report) shows as information, and the page follows it: at once when the
  // desk's attention stream moves (a count changed: approved, reported), else within the poll's few seconds.
  const attention = useAttentionSummary();
  const recheck = useRef<() => void>(() => {});
  useEffect(() => {
    if (!item || isWorking(item.status)) return;
    const seen = item.status;
    const check = async () => {
      if (acting.current) return;
      try {
        const now = await api<Item>('GET', `/api/items/${item.id}`);
        if (acting.current || now.status === seen) return;
        setItem(now);
        const words = COLLEAGUE_WORDS[now.status];
        if (words) say('info', now.status === 'rejected' && now.rejectReason ? `${words} Reason: ${now.rejectReason}` : words);
      } catch {
        /* tried again at the next tick; a lost session is handled by the page */
      }
    };
    recheck.current = () => void check();
    const t = setInterval(check, COLLEAGUE_POLL_MS);
    return () => {
      clearInterval(t);
      recheck.current = () => {};
    };
  }, [item?.id, status]);
  useEffect(() => recheck.current(), [attention]);

  if (loadError) return <p class="flash flash-error">{loadError}</p>;
  if (!item) return <p class="muted">Loading…</p>;

  const act = async (what: string, run: () => Promise<Item>, ok: string) => {
    acting.current = true;
    try {
      const next = await run();
      setItem(next);
      say('ok', ok);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.code === 'already_approved') {
        // Not a failure: a colleague got there first. Show the item as it is now.
        say('info', e.message);
        setItem(await api<Item>('GET', `/api/items/${item.id}`).catch(() => item));
      } else say('error', `${what}: ${errorText(e)}`);
      return false;
    } finally {
      acting.current = false;
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
      <QueueNav queue={queue} id={item.id} />
      <div class="view-head review-head">
        <h1 class="break" data-testid="review-title">
          {item.title || item.url}
        </h1>
        <div class="row">
          <span class={`pill pill-${statusTone(item.status)}`} data-testid="review-status">
            {statusText(item)}
          </span>
          {item.status === 'approved' && item.expiresAt && <span class="muted">until {dateText(item.expiresAt)}</span>}
          <Rename item={item} onRenamed={(next) => setItem(next)} say={say} />
        </div>
      </div>
      <FlashLine flash={flash} onClose={clear} />
      {item.remake && (
        <p class={`flash ${item.remake.status === 'failed' ? 'flash-error' : 'flash-info'}`} data-testid="remake-line">
          {item.remake.status === 'failed'
            ? `The new clip could not be made${item.remake.error ? `: ${item.remake.error.message}` : '.'} This one is still on the board, unchanged.`
            : 'A new clip of this item is being made or waits for review; this one stays on the board until you approve the new one. '}
          <a href={href('item', item.remake.id)}>Open the new clip</a>
        </p>
      )}
      <div class="review-grid">
        <div class="review-main">
          <Copy item={item} watching={watching} onClip={(start, end) =>
            act('Making the clip', async () => {
              const next = await api<Item>('POST', `/api/items/${item.id}/reprocess`, { startSeconds: start, endSeconds: end });
              // An approved item stays on the board: the new clip is a draft of its own, reviewed on its own page.
              if (next.id !== item.id) go('item', next.id);
              return next;
            }, item.status === 'approved'
              ? 'Making the new clip as a draft. The approved one stays on the board until you approve the new one.'
              : 'Making the new clip. This page shows its progress; you can leave it and come back.')
          } />
        </div>
        <aside class="review-side" aria-label="Checks and decision">
          <IncidentPanel
            item={item}
            onResolved={async (message) => {
              say('ok', message);
              setItem(await api<Item>('GET', `/api/items/${item.id}`).catch(() => item));
            }}
          />
          <Decision item={item} boardName={boardName} act={act} watching={watching} next={neighbours(queue, item.id).next} cls={cls} />
          <VettingAids item={item} />
          <Checks item={item} />
        </aside>
      </div>
    </>
  );
}
