import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../shared/api';
import { href } from '../shared/route';
import type { ClassInfo, PlaylistKind, PlaylistSummary } from '../shared/types';
import { Button, FlashLine, useFlash, useTitle } from '../shared/ui';
import { GlobeIcon, PlayIcon } from '../shared/icons';
import { MembersDialog } from './MembersDialog';
import { PairDialog } from './PairDialog';
import { useAttentionSummary } from './attention';

/** The desk's home: the school's classes, their playlists, and pairing a board. */
export function ClassesView() {
  useTitle('Classes — Vetted');
  const [classes, setClasses] = useState<ClassInfo[] | null>(null);
  const [loadError, setLoadError] = useState('');
  const [flash, say, clear] = useFlash();
  const [pairing, setPairing] = useState<ClassInfo | null>(null);
  const [teachers, setTeachers] = useState<ClassInfo | null>(null);

  const load = async () => {
    try {
      setClasses((await api<{ classes: ClassInfo[] }>('GET', '/api/classes')).classes);
      setLoadError('');
    } catch (e) {
      setLoadError(errorText(e));
    }
  };
  useEffect(() => void load(), []);

  return (
    <>
      <div class="view-head">
        <h1>Your classes</h1>
        <p class="muted">
          Paste a link into a playlist, watch it, approve it — then it plays on the class board. Nothing reaches a board
          until a teacher has approved it.
        </p>
      </div>
      <FlashLine flash={flash} onClose={clear} />
      {loadError && <p class="flash flash-error">{loadError}</p>}
      <AddClass
        onAdded={(c) => {
          say('ok', `Class “${c.name}” added. Now add a playlist of videos or sites to it.`);
          void load();
        }}
        onError={(m) => say('error', m)}
      />
      {classes === null && !loadError && <p class="muted">Loading your classes…</p>}
      {classes?.length === 0 && <FirstSteps />}
      <div class="class-list">
        {classes?.map((c) => (
          <ClassCard
            key={c.id}
            cls={c}
            onPair={() => setPairing(c)}
            onTeachers={() => setTeachers(c)}
            onPlaylistAdded={(p) => {
              say('ok', `Playlist “${p.name}” added to ${c.name}.`);
              void load();
            }}
            onError={(m) => say('error', m)}
          />
        ))}
      </div>
      <PairDialog cls={pairing} onClose={() => setPairing(null)} />
      <MembersDialog
        cls={teachers}
        onClose={() => {
          setTeachers(null);
          void load();
        }}
        onChanged={() => void load()}
      />
    </>
  );
}

function FirstSteps() {
  return (
    <section class="card first-steps" aria-labelledby="first-steps">
      <h2 id="first-steps">Getting started</h2>
      <ol>
        <li>Add your class above (for example “Reception — Robins”).</li>
        <li>Add a playlist: <strong>Videos</strong> for clips, or <strong>Sites</strong> for a planned list of web sites.</li>
        <li>Open the playlist and paste a link. Vetted downloads a clean copy, without adverts or suggested videos.</li>
        <li>Watch it, trim it if you like, and approve it.</li>
        <li>Pair the classroom board with a short code or QR code. It shows only what you approved.</li>
      </ol>
    </section>
  );
}

function AddClass({ onAdded, onError }: { onAdded: (c: { id: string; name: string }) => void; onError: (m: string) => void }) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return onError('Type a name for the class first.');
    setBusy(true);
    try {
      const c = await api<{ id: string; name: string }>('POST', '/api/classes', { name: name.trim() });
      setName('');
      onAdded(c);
    } catch (err) {
      onError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card add-class" onSubmit={submit}>
      <div class="field grow">
        <label for="new-class">New class</label>
        <input
          id="new-class"
          type="text"
          maxLength={200}
          placeholder="e.g. Reception — Robins"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </div>
      <Button type="submit" variant="primary" busy={busy} busyText="Adding…">
        Add class
      </Button>
    </form>
  );
}

function ClassCard({
  cls,
  onPair,
  onTeachers,
  onPlaylistAdded,
  onError,
}: {
  cls: ClassInfo;
  onPair: () => void;
  onTeachers: () => void;
  onPlaylistAdded: (p: PlaylistSummary) => void;
  onError: (m: string) => void;
}) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<PlaylistKind>('videos');
  const [busy, setBusy] = useState(false);
  const fid = `pl-${cls.id}`;
  // Live counts when the attention stream has them, else the ones the class list came with.
  const live = useAttentionSummary()?.classes.find((c) => c.id === cls.id)?.counts;
  const counts = live ?? cls.counts ?? { awaitingReview: 0, reported: 0 };

  const add = async (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return onError('Type a name for the playlist first.');
    setBusy(true);
    try {
      const p = await api<PlaylistSummary>('POST', '/api/playlists', { classId: cls.id, name: name.trim(), kind });
      setName('');
      onPlaylistAdded(p);
    } catch (err) {
      onError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card class-card" aria-labelledby={`${fid}-h`} data-testid="class-card">
      <div class="class-head">
        <h2 id={`${fid}-h`}>{cls.name}</h2>
        <div class="row">
          <Button variant="plain" onClick={onPair}>
            Pair a board
          </Button>
          <Button variant="quiet" onClick={onTeachers}>
            Teachers<span class="visually-hidden"> of {cls.name}</span>
          </Button>
          <a class="btn btn-quiet" href={cls.board.url} target="_blank" rel="noopener">
            Open the board<span class="visually-hidden"> of {cls.name} (new tab)</span>
          </a>
        </div>
      </div>
      <p class="class-counts" data-testid="class-counts">
        {counts.awaitingReview ? (
          <a href="#/review">{counts.awaitingReview === 1 ? '1 to review' : `${counts.awaitingReview} to review`}</a>
        ) : (
          <span class="muted">Nothing to review</span>
        )}
        {counts.reported > 0 && <span class="reported-count"> · {counts.reported} reported (off the board)</span>}
      </p>
      {cls.boardSeenAt === null && (
        <p class="pair-prompt" data-testid="pair-prompt">
          No board has shown this class yet.{' '}
          <Button variant="quiet" onClick={onPair}>
            Pair one now
          </Button>
        </p>
      )}
      {cls.playlists.length === 0 ? (
        <p class="muted">No playlists yet.</p>
      ) : (
        <ul class="playlist-links">
          {cls.playlists.map((p) => (
            <li key={p.id}>
              <a href={href('playlist', p.id)}>
                <span class={`kind-badge kind-${p.kind}`} aria-hidden="true">
                  {p.kind === 'videos' ? <PlayIcon /> : <GlobeIcon />}
                </span>
                <span class="pl-name">{p.name}</span>
                <span class="visually-hidden">,</span>
                <span class="muted small">{p.kind === 'videos' ? 'Videos' : 'Sites'}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
      <form class="add-playlist" onSubmit={add} aria-label={`Add a playlist to ${cls.name}`}>
        <div class="field grow">
          <label for={`${fid}-name`}>New playlist</label>
          <input
            id={`${fid}-name`}
            type="text"
            maxLength={200}
            placeholder="e.g. Minibeasts"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </div>
        <fieldset>
          <legend>It holds</legend>
          <div class="radio-row">
            <label>
              <input type="radio" name={`${fid}-kind`} checked={kind === 'videos'} onChange={() => setKind('videos')} />
              Videos
            </label>
            <label>
              <input type="radio" name={`${fid}-kind`} checked={kind === 'sites'} onChange={() => setKind('sites')} />
              Sites
            </label>
          </div>
        </fieldset>
        <Button type="submit" variant="primary" busy={busy} busyText="Adding…">
          Add playlist
        </Button>
      </form>
    </section>
  );
}
