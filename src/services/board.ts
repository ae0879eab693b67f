import { createHash } from 'node:crypto';
import type { BoardContents, BoardsRepository } from '../db/boards.js';
import type { ItemEvents } from '../db/item-events.js';
import type { ItemMediaFiles } from '../db/schema.js';
import { boardMayShow } from '../domain/visibility.js';
import { boardFiles } from './media-files.js';

/** A board as it is answered: the body once serialised, its ETag, and what the board's media links may open. */
export interface BoardView {
  classId: string;
  token: string;
  /** The JSON answer of `GET /api/board/:token`. */
  body: string;
  /** Strong: a hash of the body. */
  etag: string;
  /** Item id → the generation and file names a board may fetch. */
  media: Map<string, { generation: number; files: Set<string> }>;
  playlistIds: string[];
  /** When the first item on show reaches its expiry (ms since the epoch), or Infinity. */
  validUntil: number;
}

export type PresentBoard = (contents: BoardContents, token: string, liveAllowed: (url: string) => boolean) => unknown;

export interface BoardServiceOptions {
  boards: BoardsRepository;
  events: ItemEvents;
  /** How the answer looks over HTTP (the http layer owns presentation). */
  present: PresentBoard;
  /** Which live sites a board may open (the school's allow list), read with the board on a cache miss. */
  liveSites: () => Promise<(url: string) => boolean>;
  /** Records that a board showed the class (for the desk's attention view); called at most once a minute per class. */
  seen?: (classId: string) => Promise<void>;
  /** A cached board is re-read at least this often, even if no notification says so. */
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * Board contents: one query per board, kept in an in-process cache per class until a change
 * notification says the board may differ. Every API process listens to the notifications, so each
 * keeps its own cache correct; changes come from whichever process (API or worker) made them.
 *
 * An item change matters to a board when the item is approved now or was on show; progress of items
 * in processing does not evict anything. A read that ran while a change arrived is answered but not
 * kept (it may predate the change), and later callers do not join it. While the notification
 * connection is down nothing is cached, and everything is forgotten when it comes back.
 */
export function boardService(opts: BoardServiceOptions) {
  const { boards, events, present, liveSites } = opts;
  const seenAt = new Map<string, number>();
  const now = opts.now ?? Date.now;
  const maxAgeMs = opts.maxAgeMs ?? 60_000;

  const byClass = new Map<string, BoardView & { storedAt: number; itemIds: Set<string> }>();
  const classOfToken = new Map<string, string>();
  /** Playlists seen in reads; kept after an eviction so later changes still find their class. */
  const classOfPlaylist = new Map<string, string>();
  const watchers = new Map<string, Set<() => void>>();

  /** A change counter, and the last change seen per `c:<class>` / `p:<playlist>`, for reads in flight. */
  let seq = 0;
  let resetAt = 0;
  const changedAt = new Map<string, number>();
  const pending = new Map<string, { startSeq: number; promise: Promise<BoardView | undefined> }>();
  let inFlight = 0;
  const stats = { queries: 0, hits: 0 };

  function forget(classId: string) {
    const entry = byClass.get(classId);
    if (entry) {
      byClass.delete(classId);
      if (classOfToken.get(entry.token) === classId) classOfToken.delete(entry.token);
    }
  }

  function changed(classId: string) {
    changedAt.set(`c:${classId}`, ++seq);
    forget(classId);
    for (const fn of [...(watchers.get(classId) ?? [])]) fn();
  }

  const offItem = events.on((change) => {
    const classId = classOfPlaylist.get(change.playlistId);
    if (classId === undefined) {
      // A playlist no read has seen yet: perhaps one being read right now.
      changedAt.set(`p:${change.playlistId}`, ++seq);
      return;
    }
    const entry = byClass.get(classId);
    if (change.status === 'approved' || !entry || entry.itemIds.has(change.id)) changed(classId);
  });
  const offBoard = events.onBoard(({ classId }) => {
    for (const [p, c] of classOfPlaylist) if (c === classId) classOfPlaylist.delete(p);
    for (const [t, c] of classOfToken) if (c === classId) classOfToken.delete(t);
    changed(classId);
  });
  const forgetAll = () => {
    resetAt = ++seq;
    const classes = [...byClass.keys(), ...watchers.keys()];
    byClass.clear();
    classOfToken.clear();
    for (const c of new Set(classes)) changed(c);
  };
  const offReset = events.onReset(forgetAll);
  // The school's allow list decides which live sites every board may open.
  const offPolicy = events.onAllBoards(forgetAll);

  function changedSince(view: BoardView, startSeq: number): boolean {
    if (resetAt > startSeq || (changedAt.get(`c:${view.classId}`) ?? 0) > startSeq) return true;
    return view.playlistIds.some((p) => (changedAt.get(`p:${p}`) ?? 0) > startSeq);
  }

  function build(contents: BoardContents, token: string, at: number, liveAllowed: (url: string) => boolean): BoardView & { itemIds: Set<string> } {
    const nowDate = new Date(at);
    let validUntil = Infinity;
    const media = new Map<string, { generation: number; files: Set<string> }>();
    const itemIds = new Set<string>();
    const shown: BoardContents = {
      class: contents.class,
      playlists: contents.playlists.map((p) => ({
        ...p,
        items: p.items.filter((i) => {
          if (!boardMayShow({ status: i.status, expiresAt: i.expires_at }, nowDate)) return false;
          if (i.expires_at) validUntil = Math.min(validUntil, i.expires_at.getTime());
          itemIds.add(i.id);
          media.set(i.id, { generation: i.media_generation, files: boardFiles(i.media as ItemMediaFiles | null) });
          return true;
        }),
      })),
    };
    const body = JSON.stringify(present(shown, token, liveAllowed));
    const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
    return { classId: contents.class.id, token, body, etag, media, itemIds, playlistIds: contents.playlists.map((p) => p.id), validUntil };
  }

  async function load(token: string): Promise<BoardView | undefined> {
    const startSeq = seq;
    inFlight++;
    try {
      stats.queries++;
      const [contents, liveAllowed] = await Promise.all([boards.contentsByToken(token), liveSites()]);
      if (!contents) return undefined;
      const at = now();
      const view = build(contents, token, at, liveAllowed);
      if (!changedSince(view, startSeq)) {
        for (const p of view.playlistIds) classOfPlaylist.set(p, view.classId);
        if (events.listening()) {
          forget(view.classId);
          byClass.set(view.classId, { ...view, storedAt: at });
          classOfToken.set(token, view.classId);
        }
      }
      return view;
    } finally {
      if (--inFlight === 0) changedAt.clear();
    }
  }

  return {
    /** The board of a board link, or undefined for a link that is not known (never cached). */
    async read(token: string): Promise<BoardView | undefined> {
      const view = await readView(token);
      if (view && opts.seen && now() - (seenAt.get(view.classId) ?? -Infinity) >= 60_000) {
        seenAt.set(view.classId, now());
        opts.seen(view.classId).catch(() => seenAt.delete(view.classId));
      }
      return view;
    },

    /** True when this board may fetch this file of this item now (approved, unexpired, in its class, published). */
    async mayFetch(token: string, itemId: string, generation: number, file: string): Promise<BoardView | undefined | false> {
      const view = await readView(token);
      if (!view) return undefined;
      const m = view.media.get(itemId);
      return m !== undefined && m.generation === generation && m.files.has(file) ? view : false;
    },

    /** Calls `fn` whenever the class's board may have changed; returns the unsubscribe. */
    watch(classId: string, fn: () => void): () => void {
      let set = watchers.get(classId);
      if (!set) watchers.set(classId, (set = new Set()));
      set.add(fn);
      return () => {
        set.delete(fn);
        if (set.size === 0 && watchers.get(classId) === set) watchers.delete(classId);
      };
    },

    stats: () => ({ ...stats, cached: byClass.size }),

    close() {
      offItem();
      offBoard();
      offReset();
      offPolicy();
      byClass.clear();
      classOfToken.clear();
    },
  };

  async function readView(token: string): Promise<BoardView | undefined> {
    const classId = classOfToken.get(token);
    const entry = classId === undefined ? undefined : byClass.get(classId);
    if (entry && entry.token === token) {
      const at = now();
      if (at < entry.validUntil && at - entry.storedAt < maxAgeMs) {
        stats.hits++;
        return entry;
      }
      forget(entry.classId);
    }
    // Many boards of one class re-read together after a change: one query serves them all,
    // unless something changed since it started.
    const running = pending.get(token);
    if (running && running.startSeq === seq) return running.promise;
    const promise = load(token).finally(() => {
      if (pending.get(token)?.promise === promise) pending.delete(token);
    });
    pending.set(token, { startSeq: seq, promise });
    return promise;
  }
}

export type BoardService = ReturnType<typeof boardService>;
