import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText, uploadFile } from '../shared/api';
import { href } from '../shared/route';
import type { ClassInfo, Item, Playlist } from '../shared/types';
import { Button, Dialog, FlashLine, ProgressBar, useFlash, useTitle } from '../shared/ui';
import { clock, dateText, isWorking, statusText, statusTone } from '../shared/words';
import { GlobeIcon, PlayIcon } from '../shared/icons';
import { watchItem } from './live';

/** One playlist: paste a link, watch items get ready live, open them to review, order and remove them. */
export function PlaylistView({ id }: { id: string }) {
  const [playlist, setPlaylist] = useState<Playlist | null>(null);
  const [cls, setCls] = useState<ClassInfo | null>(null);
  const [loadError, setLoadError] = useState('');
  const [flash, say, clear] = useFlash();
  const [removing, setRemoving] = useState<Item | null>(null);
  const focusAfter = useRef<string | null>(null);
  useTitle(playlist ? `${playlist.name} — Vetted` : 'Playlist — Vetted');

  const load = async () => {
    try {
      const p = await api<Playlist>('GET', `/api/playlists/${id}`);
      setPlaylist(p);
      const classes = (await api<{ classes: ClassInfo[] }>('GET', '/api/classes')).classes;
      setCls(classes.find((c) => c.id === p.classId) ?? null);
    } catch (e) {
      setLoadError(errorText(e));
    }
  };
  useEffect(() => void load(), [id]);

  const items = playlist?.items ?? [];
  // The item the "It is being prepared" message is about: when it is done, that message is replaced, never left stale.
  const justAdded = useRef<string | null>(null);
  const updateItem = (item: Item) => {
    setPlaylist((p) => (p ? { ...p, items: p.items.map((i) => (i.id === item.id ? { ...i, ...item, notice: i.notice } : i)) } : p));
    if (justAdded.current === item.id && !isWorking(item.status)) {
      justAdded.current = null;
      if (item.status === 'failed') say('error', `“${item.title || item.url}” could not be prepared: ${item.error?.message ?? 'see below.'}`);
      else if (item.status === 'awaiting_review') say('ok', `“${item.title || item.url}” is ready for you to ${item.kind === 'webpage' ? 'read' : 'watch'}.`);
      else clear();
    }
  };

  // Follow every item that is still being prepared.
  const working = items.filter((i) => isWorking(i.status)).map((i) => i.id);
  const workingKey = working.join(',');
  useEffect(() => {
    const stops = working.map((wid) => watchItem(wid, updateItem));
    return () => stops.forEach((s) => s());
  }, [workingKey]);

  useEffect(() => {
    if (!focusAfter.current) return;
    document.querySelector<HTMLElement>(focusAfter.current)?.focus();
    focusAfter.current = null;
  });

  const move = async (item: Item, by: -1 | 1) => {
    if (!playlist) return;
    const from = items.findIndex((i) => i.id === item.id);
    const to = from + by;
    if (to < 0 || to >= items.length) return;
    const next = [...items];
    next.splice(from, 1);
    next.splice(to, 0, item);
    const before = playlist;
    setPlaylist({ ...playlist, items: next });
    const sel = `[data-move="${item.id}:${by}"]`;
    focusAfter.current = to === 0 || to === items.length - 1 ? `[data-move="${item.id}:${-by}"]` : sel;
    try {
      const saved = await api<Playlist>('PATCH', `/api/playlists/${playlist.id}/order`, { itemIds: next.map((i) => i.id) });
      setPlaylist((p) => (p ? { ...saved, items: saved.items.map((s) => ({ ...s, notice: p.items.find((i) => i.id === s.id)?.notice })) } : saved));
      say('ok', `Moved “${item.title}” to place ${to + 1} of ${next.length}.`);
    } catch (e) {
      setPlaylist(before);
      say('error', errorText(e));
    }
  };

  const retry = async (item: Item) => {
    try {
      updateItem(await api<Item>('POST', `/api/items/${item.id}/reprocess`, {}));
      say('ok', `Trying “${item.title}” again.`);
    } catch (e) {
      say('error', errorText(e));
    }
  };

  const removed = (item: Item) => {
    setPlaylist((p) => (p ? { ...p, items: p.items.filter((i) => i.id !== item.id) } : p));
    say('ok', `“${item.title}” was removed from ${playlist?.name ?? 'the playlist'}.`);
    setRemoving(null);
    focusAfter.current = '#add-link-url';
  };

  if (loadError) return <p class="flash flash-error">{loadError}</p>;
  if (!playlist) return <p class="muted">Loading the playlist…</p>;

  const onBoard = items.filter((i) => i.status === 'approved').length;
  const toReview = items.filter((i) => i.status === 'awaiting_review').length;

  const added = (item: Item) => {
    setPlaylist((p) => (p ? { ...p, items: [...p.items, item] } : p));
    justAdded.current = isWorking(item.status) ? item.id : null;
    say(
      'ok',
      `Added “${item.title || item.url}”. It is being prepared — you can carry on; it will say “${
        item.kind === 'webpage' ? 'Ready for you to read' : 'Ready for you to watch'
      }” when it is ready.${item.notice ? ` ${item.notice.message}` : ''}`,
    );
  };

  return (
    <>
      <nav aria-label="Breadcrumbs">
        <ol class="breadcrumbs">
          <li>
            <a href="#/">Classes</a>
          </li>
          <li>{cls?.name ?? '…'}</li>
        </ol>
      </nav>
      <div class="view-head">
        <h1>{playlist.name}</h1>
        <p class="muted">
          {playlist.kind === 'videos' ? 'A playlist of videos' : 'A list of web sites for a planned internet lesson'} ·{' '}
          {onBoard} on the board · {toReview} waiting for you to review
        </p>
      </div>
      <AddLink playlist={playlist} onAdded={added} />
      {playlist.kind === 'videos' && <UploadFile playlist={playlist} onAdded={added} />}
      <FlashLine flash={flash} onClose={clear} />
      {items.length === 0 ? (
        <p class="card empty">This playlist is empty. Paste a link above to add the first {playlist.kind === 'videos' ? 'video' : 'site'}.</p>
      ) : (
        <ol class="item-list" aria-label={`Items in ${playlist.name}`}>
          {items.map((item, index) => (
            <ItemRow
              key={item.id}
              item={item}
              index={index}
              count={items.length}
              onMove={(by) => void move(item, by)}
              onRetry={() => void retry(item)}
              onRemove={() => setRemoving(item)}
            />
          ))}
        </ol>
      )}
      <RemoveDialog item={removing} onClose={() => setRemoving(null)} onRemoved={removed} />
    </>
  );
}

function withScheme(raw: string): string {
  const t = raw.trim();
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? t : `https://${t}`;
}

function AddLink({ playlist, onAdded }: { playlist: Playlist; onAdded: (item: Item) => void }) {
  const [url, setUrl] = useState('');
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const what = playlist.kind === 'videos' ? 'video' : 'web site';

  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    if (!url.trim()) return setError(`Paste the link of a ${what} first.`);
    setBusy(true);
    try {
      const item = await api<Item>('POST', '/api/items', {
        url: withScheme(url),
        playlistId: playlist.id,
        ...(title.trim() ? { title: title.trim() } : {}),
      });
      setUrl('');
      setTitle('');
      onAdded(item);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card add-link" onSubmit={submit} noValidate>
      <div class="add-link-fields">
        <div class="field grow-2">
          <label for="add-link-url">Paste a link to a {what}</label>
          <input
            id="add-link-url"
            type="url"
            inputMode="url"
            autocomplete="off"
            spellcheck={false}
            placeholder={playlist.kind === 'videos' ? 'https://www.youtube.com/watch?v=…' : 'https://www.example.org/frogs'}
            value={url}
            aria-invalid={error ? 'true' : undefined}
            aria-describedby="add-link-error add-link-hint"
            onInput={(e) => setUrl(e.currentTarget.value)}
          />
          <p id="add-link-hint" class="hint">
            {playlist.kind === 'videos'
              ? 'YouTube links and links to video files work, with or without https://. A YouTube link with a time (t=90) starts the clip there.'
              : 'Paste the address of a web page, with or without https://. Vetted keeps a clean copy of it — no adverts, no pop-ups — and that copy is what the class sees.'}
          </p>
        </div>
        <div class="field grow">
          <label for="add-link-title">Title (optional)</label>
          <input
            id="add-link-title"
            type="text"
            maxLength={300}
            value={title}
            placeholder={playlist.kind === 'videos' ? 'We use the video’s own title' : 'We use the page’s own title'}
            onInput={(e) => setTitle(e.currentTarget.value)}
          />
        </div>
        <Button type="submit" variant="primary" busy={busy} busyText="Adding…" class="add-link-button">
          Add {what}
        </Button>
      </div>
      <p id="add-link-error" class="field-error" role="alert">
        {error}
      </p>
    </form>
  );
}

/**
 * Upload a video file: the way out when a site refuses downloads (YouTube often does). The file goes
 * through the same preparation and review as a pasted link.
 */
function UploadFile({ playlist, onAdded }: { playlist: Playlist; onAdded: (item: Item) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [percent, setPercent] = useState<number | null>(null);
  const [error, setError] = useState('');
  const input = useRef<HTMLInputElement>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    if (!file) return setError('Choose a video file first.');
    setPercent(0);
    try {
      const item = await uploadFile<Item>(
        `/api/playlists/${playlist.id}/uploads?filename=${encodeURIComponent(file.name)}`,
        file,
        setPercent,
      );
      setFile(null);
      if (input.current) input.current.value = '';
      onAdded(item);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setPercent(null);
    }
  };

  return (
    <form class="card add-link upload-file" onSubmit={submit} noValidate>
      <div class="add-link-fields">
        <div class="field grow-2">
          <label for="upload-file">Or upload a video file</label>
          <input
            id="upload-file"
            ref={input}
            type="file"
            accept="video/*"
            aria-describedby="upload-file-error upload-file-hint"
            onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
          />
          <p id="upload-file-hint" class="hint">
            For when a site will not let Vetted download a video: save it on your computer, then upload it here.
          </p>
        </div>
        <Button type="submit" variant="primary" busy={percent !== null} busyText="Uploading…" class="add-link-button">
          Upload
        </Button>
      </div>
      {percent !== null && <ProgressBar label="Uploading" value={percent} text={`${percent}%`} />}
      <p id="upload-file-error" class="field-error" role="alert">
        {error}
      </p>
    </form>
  );
}

function ItemRow({
  item,
  index,
  count,
  onMove,
  onRetry,
  onRemove,
}: {
  item: Item;
  index: number;
  count: number;
  onMove: (by: -1 | 1) => void;
  onRetry: () => void;
  onRemove: () => void;
}) {
  const working = isWorking(item.status);
  const label = item.title || item.url;
  const headId = `item-${item.id}-t`;
  const reviewText =
    item.status === 'awaiting_review' ? (item.kind === 'webpage' ? 'Read and approve' : 'Watch and approve') : 'Open';
  const facts = [
    item.kind === 'video' ? 'Video' : 'Web page',
    item.durationSeconds ? clock(item.durationSeconds) : '',
    item.source?.name ?? '',
    item.status === 'approved' && item.expiresAt ? `on the board until ${dateText(item.expiresAt)}` : '',
  ].filter(Boolean);

  return (
    <li class="item-row card" data-testid="item-row" data-item-id={item.id} data-status={item.status} aria-labelledby={headId}>
      <div class="thumb" aria-hidden="true">
        {item.media?.thumbnail ? <img src={item.media.thumbnail} alt="" loading="lazy" /> : item.kind === 'video' ? <PlayIcon size={28} /> : <GlobeIcon size={28} />}
      </div>
      <div class="item-main">
        <h2 class="item-title" id={headId}>
          <a href={href('item', item.id)}>{label}</a>
        </h2>
        <p class="muted small item-facts">{facts.join(' · ')}</p>
        <div class="item-status">
          <span class={`pill pill-${statusTone(item.status)}`} data-testid="item-status">
            {statusText(item)}
          </span>
          {working && (
            <ProgressBar
              value={item.status === 'queued' ? undefined : item.progress}
              label={`Progress of ${label}`}
              text={item.status === 'queued' ? '' : `${item.progress}%`}
            />
          )}
        </div>
        {working && item.error && (
          <p class="hint" data-testid="item-retry">
            {item.error.message}
          </p>
        )}
        {item.status === 'failed' && item.error && (
          <p class="item-error" data-testid="item-error">
            {item.error.message}
          </p>
        )}
        {item.status === 'rejected' && item.rejectReason && <p class="muted small">Reason: {item.rejectReason}</p>}
        {item.notice && <p class="hint">{item.notice.message}</p>}
      </div>
      <div class="item-actions">
        {!working && item.status !== 'failed' && (
          <a class={`btn ${item.status === 'awaiting_review' ? 'btn-primary' : 'btn-plain'}`} href={href('item', item.id)}>
            {reviewText}
            <span class="visually-hidden">: {label}</span>
          </a>
        )}
        {item.status === 'failed' && (
          <Button variant="primary" onClick={onRetry}>
            Try again<span class="visually-hidden">: {label}</span>
          </Button>
        )}
        <div class="move-buttons" role="group" aria-label={`Order of ${label}`}>
          <Button variant="plain" class="icon-button" disabled={index === 0} onClick={() => onMove(-1)} data-move={`${item.id}:-1`} aria-label={`Move up: ${label}`}>
            ↑
          </Button>
          <Button
            variant="plain"
            class="icon-button"
            disabled={index === count - 1}
            onClick={() => onMove(1)}
            data-move={`${item.id}:1`}
            aria-label={`Move down: ${label}`}
          >
            ↓
          </Button>
        </div>
        {item.status !== 'quarantined' && item.status !== 'removed' && (
          <Button variant="quiet" onClick={onRemove}>
            Remove<span class="visually-hidden">: {label}</span>
          </Button>
        )}
      </div>
    </li>
  );
}

function RemoveDialog({ item, onClose, onRemoved }: { item: Item | null; onClose: () => void; onRemoved: (item: Item) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  useEffect(() => setError(''), [item?.id]);
  const remove = async () => {
    if (!item) return;
    setBusy(true);
    setError('');
    try {
      await api('DELETE', `/api/items/${item.id}`);
      onRemoved(item);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={item !== null} title="Remove from the playlist?" onClose={onClose}>
      {item && (
        <>
          <p class="break">
            <strong>{item.title || item.url}</strong>
          </p>
          <p>
            {item.status === 'approved'
              ? 'It comes off the class board at once, and its copy is deleted.'
              : 'Its copy is deleted.'}{' '}
            The audit log keeps a record that you removed it.
          </p>
          <p class="field-error" role="alert">
            {error}
          </p>
          <div class="row end">
            <Button variant="plain" onClick={onClose}>
              Keep it
            </Button>
            <Button variant="bad" busy={busy} busyText="Removing…" onClick={() => void remove()}>
              Remove
            </Button>
          </div>
        </>
      )}
    </Dialog>
  );
}
