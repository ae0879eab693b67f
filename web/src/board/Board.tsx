import { useEffect, useRef, useState } from 'preact/hooks';
import type { BoardData, BoardItem } from '../shared/types';
import { clock } from '../shared/words';
import { Player } from './Player';
import { ReportDialog } from './ReportDialog';
import { Attribution } from './Attribution';
import { HoldToReport, HoldToReportHelp } from './HoldToReport';
import { SiteViewer } from './SiteViewer';
import { GlobeIcon, PlayIcon } from '../shared/icons';

/**
 * The classroom board: the class's approved videos and site tiles, nothing else. It follows the
 * server's board stream, so an item approved, reported or past its date appears or goes within
 * seconds, and a video that leaves the board stops at once.
 */
const token = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const base = `/api/board/${encodeURIComponent(token)}`;
export const LAST_BOARD_KEY = 'vetted.board';

type Conn = 'live' | 'reconnecting';

async function fetchBoard(): Promise<BoardData | 'gone'> {
  const res = await fetch(base, { headers: { accept: 'application/json' } });
  if (res.status === 404) return 'gone';
  if (!res.ok) throw new Error(String(res.status));
  return (await res.json()) as BoardData;
}

/** Items on show now: the server decides, and an item past its date goes even between updates. */
function current(data: BoardData, now: number): BoardData {
  return {
    ...data,
    playlists: data.playlists.map((p) => ({ ...p, items: p.items.filter((i) => !i.expiresAt || Date.parse(i.expiresAt) > now) })),
  };
}

export function Board() {
  const [data, setData] = useState<BoardData | null>(null);
  const [gone, setGone] = useState(false);
  const [conn, setConn] = useState<Conn>('live');
  const [now, setNow] = useState(Date.now());
  const [playing, setPlaying] = useState<BoardItem | null>(null);
  const [reading, setReading] = useState<BoardItem | null>(null);
  const [reporting, setReporting] = useState<BoardItem | null>(null);
  const [message, setMessage] = useState<{ text: string; tone: 'info' | 'ok' } | null>(null);
  const hidden = useRef(new Set<string>());

  useEffect(() => {
    let es: EventSource | undefined;
    let poll: ReturnType<typeof setInterval> | undefined;
    const take = (d: BoardData | 'gone') => {
      if (d === 'gone') {
        setGone(true);
        es?.close();
        if (poll) clearInterval(poll);
        return;
      }
      setData(d);
    };
    void fetchBoard().then(take).catch(() => setConn('reconnecting'));
    if (typeof EventSource !== 'undefined') {
      es = new EventSource(`${base}/events`);
      es.addEventListener('board', (e) => {
        setConn('live');
        take(JSON.parse((e as MessageEvent<string>).data) as BoardData);
      });
      es.addEventListener('gone', () => take('gone'));
      es.onopen = () => setConn('live');
      es.onerror = () => setConn('reconnecting');
    }
    // A slow poll as well: some school proxies hold event streams back.
    poll = setInterval(() => void fetchBoard().then(take).catch(() => undefined), 15_000);
    const tick = setInterval(() => setNow(Date.now()), 1000);
    try {
      localStorage.setItem(LAST_BOARD_KEY, location.pathname);
    } catch {
      /* private mode */
    }
    return () => {
      es?.close();
      clearInterval(poll);
      clearInterval(tick);
    };
  }, []);

  const shown = data ? current(data, now) : null;
  if (shown) {
    for (const p of shown.playlists) p.items = p.items.filter((i) => !hidden.current.has(i.id));
  }
  const onShow = new Map(shown?.playlists.flatMap((p) => p.items.map((i) => [i.id, i] as const)) ?? []);

  // The playing video or the open page left the board (reported, taken off, expired): close it now.
  useEffect(() => {
    if (playing && shown && !onShow.has(playing.id)) {
      setPlaying(null);
      setMessage({ text: 'That video has been taken off the board.', tone: 'info' });
    }
    if (reading && shown && !onShow.has(reading.id)) {
      setReading(null);
      setMessage({ text: 'That page has been taken off the board.', tone: 'info' });
    }
  });

  /** Opens an item from a tile or from a link inside a vetted page. */
  const open = (item: BoardItem) => {
    if (item.kind === 'video') {
      setReading(null);
      setPlaying(item);
    } else if (item.openLive) {
      // The teacher chose the live site on purpose (allow-listed): a new tab, the board stays here.
      window.open(item.url, '_blank', 'noopener,noreferrer');
    } else {
      setPlaying(null);
      setReading(item);
    }
  };

  useEffect(() => {
    if (!message) return;
    const t = setTimeout(() => setMessage(null), 10_000);
    return () => clearTimeout(t);
  }, [message]);

  useEffect(() => {
    document.title = data ? `${data.class.name} — class board` : 'Class board — Vetted';
  }, [data?.class.name]);

  if (gone) {
    return (
      <main class="board-center">
        <h1>This board link is not known</h1>
        <p>Ask your teacher to pair this board again.</p>
        <a class="big-button" href="/pair">
          Pair with a code
        </a>
      </main>
    );
  }
  if (!shown) {
    return (
      <main class="board-center" aria-busy="true">
        <p>{conn === 'reconnecting' ? 'Trying to reach Vetted…' : 'Loading the board…'}</p>
      </main>
    );
  }

  const lists = shown.playlists.filter((p) => p.items.length > 0);
  const reported = (item: BoardItem) => {
    hidden.current.add(item.id);
    setReporting(null);
    if (playing?.id === item.id) setPlaying(null);
    if (reading?.id === item.id) setReading(null);
    setMessage({ text: 'Thank you. It has been taken off the board and your teacher has been told.', tone: 'ok' });
  };

  const focused = playing || reading;
  return (
    <div class={`board${focused ? ' board-focused' : ''}`}>
      <HoldToReportHelp />
      <header class="board-bar" hidden={!!focused}>
        <h1 class="board-class">{shown.class.name}</h1>
        <p class={`conn conn-${conn}`} role="status">
          {conn === 'live' ? '' : 'Reconnecting…'}
        </p>
        <FullscreenButton />
      </header>
      <div class="board-message" role="status" aria-live="polite">
        {message && (
          <p data-testid="board-message" class={`tone-${message.tone}`}>
            {message.text}
          </p>
        )}
      </div>
      {playing ? (
        <Player
          key={playing.id}
          item={playing}
          onClose={() => setPlaying(null)}
          onReport={() => setReporting(playing)}
          onBroken={() => {
            setPlaying(null);
            setMessage({ text: 'That video cannot be played just now.', tone: 'info' });
          }}
        />
      ) : reading ? (
        <SiteViewer
          key={reading.id}
          item={reading}
          approved={[...onShow.values()]}
          onOpen={open}
          onClose={() => setReading(null)}
          onReport={() => setReporting(reading)}
        />
      ) : (
        <main class="board-lists">
          {lists.length === 0 && (
            <p class="board-empty" data-testid="board-empty">
              Nothing here yet. Your teacher will add videos soon.
            </p>
          )}
          {lists.map((p) => (
            <section key={p.id} aria-labelledby={`pl-${p.id}`} class="board-section">
              <h2 id={`pl-${p.id}`}>{p.name}</h2>
              <ul class="tiles">
                {p.items.map((item) => (
                  <li key={item.id} class="tile" data-testid="board-tile" data-item-id={item.id} data-kind={item.kind}>
                    {item.kind === 'video' ? (
                      <button type="button" class="tile-main" onClick={() => setPlaying(item)}>
                        <TileImage item={item} />
                        <span class="tile-title">{item.title}</span>
                        <span class="tile-meta">
                          <PlayIcon size={18} />
                          {item.durationSeconds ? clock(item.durationSeconds) : 'Video'}
                        </span>
                      </button>
                    ) : item.openLive ? (
                      // Chosen on purpose by the teacher for a site that must be live (a game), allow-listed only.
                      <a class="tile-main" href={item.url} target="_blank" rel="noopener noreferrer">
                        <TileImage item={item} />
                        <span class="tile-title">{item.title}</span>
                        <span class="tile-meta">
                          <GlobeIcon size={18} />
                          Opens the live website<span class="visually-hidden"> (new tab)</span>
                        </span>
                      </a>
                    ) : (
                      <button type="button" class="tile-main" onClick={() => open(item)}>
                        <TileImage item={item} />
                        <span class="tile-title">{item.title}</span>
                        <span class="tile-meta">
                          <GlobeIcon size={18} />
                          Read it here
                        </span>
                      </button>
                    )}
                    <div class="tile-foot">
                      <Attribution item={item} />
                      <HoldToReport title={item.title} onReport={() => setReporting(item)} />
                    </div>
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </main>
      )}
      <ReportDialog item={reporting} reportUrl={(i) => `${base}/items/${encodeURIComponent(i.id)}/report`} onClose={() => setReporting(null)} onReported={reported} />
    </div>
  );
}

function TileImage({ item }: { item: BoardItem }) {
  const src = item.media?.thumbnail ?? item.media?.poster;
  return <span class="tile-image">{src ? <img src={src} alt="" loading="lazy" /> : item.kind === 'video' ? <PlayIcon size={56} /> : <GlobeIcon size={56} />}</span>;
}

/**
 * With the tiles showing, the whole board fills the screen — the browser's address bar and tabs go,
 * which is what a teacher wants on a classroom screen — and the button says so. A playing video has its
 * own "Full screen", which fills the screen with the video alone.
 */
function FullscreenButton() {
  const [full, setFull] = useState(false);
  useEffect(() => {
    const on = () => setFull(document.fullscreenElement === document.documentElement);
    document.addEventListener('fullscreenchange', on);
    return () => document.removeEventListener('fullscreenchange', on);
  }, []);
  if (!document.fullscreenEnabled) return null;
  return (
    <button
      type="button"
      class="bar-button"
      data-testid="board-full-screen"
      onClick={() => void (full ? document.exitFullscreen() : document.documentElement.requestFullscreen()).catch(() => undefined)}
    >
      {full ? 'Leave full screen' : 'Board full screen'}
    </button>
  );
}
