import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../shared/api';
import { href } from '../shared/route';
import type { ClassInfo, Item, Playlist } from '../shared/types';
import { FlashLine, useFlash, useTitle } from '../shared/ui';
import { dateText, isWorking, statusText, statusTone } from '../shared/words';
import { watchItem } from './live';
import { Checks } from './review/Checks';
import { Copy } from './review/Copy';
import { Decision } from './review/Decision';
import { Rename } from './review/Rename';

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
