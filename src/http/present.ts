import type { BoardContents } from '../db/boards.js';
import type { ItemMediaFiles, ItemRow } from '../db/schema.js';
import type { VettingChecks } from '../domain/vetting.js';
import type { PlaylistContents } from '../services/playlists.js';
import type { BoardAnswer, BoardItem, Item, ItemChecks, ItemMedia, ItemSource, Playlist } from './contract/index.js';

/**
 * How an item looks over HTTP. Media URLs depend on who asks: staff get cookie-checked URLs, a
 * board gets URLs under its own token (checked against the board's class on every request).
 */
export type MediaViewer = { kind: 'staff' } | { kind: 'board'; token: string };

export function mediaUrl(viewer: MediaViewer, item: Pick<ItemRow, 'id' | 'media_generation'>, file: string): string {
  const tail = `${item.id}/${item.media_generation}/${encodeURIComponent(file)}`;
  return viewer.kind === 'staff' ? `/media/items/${tail}` : `/media/board/${encodeURIComponent(viewer.token)}/${tail}`;
}

export function presentMedia(item: ItemRow, viewer: MediaViewer): ItemMedia | null {
  const files = item.media as ItemMediaFiles | null;
  if (!files) return null;
  const url = (f: string | undefined) => (f ? mediaUrl(viewer, item, f) : undefined);
  const media: Record<string, string> = {};
  for (const key of ['video', 'poster', 'thumbnail', 'page', 'captions', 'storyboard'] as const) {
    const u = url(files[key]);
    if (u) media[key] = u;
  }
  return media;
}

type Details = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
const bool = (v: unknown) => (typeof v === 'boolean' ? v : null);

/** Where the item came from, for the attribution the school's copyright policy asks for. */
export function presentSource(item: ItemRow): ItemSource {
  const d = (item.details ?? {}) as Details;
  let host = '';
  try {
    host = new URL(item.url).hostname.replace(/^www\./, '');
  } catch {
    /* stored URLs are valid; keep the attribution empty rather than fail */
  }
  return {
    name: str(d.channel) ?? str(d.siteName) ?? host,
    url: str(d.canonicalUrl) ?? item.url,
    licence: str(d.licence),
    author: str(d.author),
  };
}

/** The facts a teacher needs to vet quickly, gathered while the item was fetched. */
export function presentChecks(item: ItemRow): ItemChecks {
  const d = (item.details ?? {}) as Details;
  const captions = d.captions === true || (item.media as ItemMediaFiles | null)?.captions !== undefined;
  return {
    durationSeconds: item.duration_seconds,
    channel: str(d.channel),
    site: str(d.siteName),
    ageRestricted: bool(d.ageRestricted),
    madeForKids: bool(d.madeForKids),
    familySafe: bool(d.familySafe),
    captions,
    domainRule: (d.domainRule as { pattern: string; action: string } | undefined) ?? null,
    flags: Array.isArray(d.flags) ? (d.flags as string[]) : [],
    redirectsTo: str(d.redirectsTo),
    // Typed without http(s)://, and the site had no secure version: fetched over http:// (net/scheme.ts).
    plainHttp: d.schemeChosen === 'http',
    reusedFrom: str(d.reusedFrom),
    ...presentVetting(item),
  };
}

/** The vetting aids (issue 12): null where a check does not apply or could not run; scenes link to staff media. */
function presentVetting(item: ItemRow) {
  const v = ((item.details ?? {}) as Details).vetting as Partial<VettingChecks> | undefined;
  return {
    flashing: v?.flashing ?? null,
    loudness: v?.loudness ?? null,
    words: v?.words ?? null,
    scenes: (v?.scenes ?? []).map((s) => ({ startSeconds: s.startSeconds, thumbnail: mediaUrl({ kind: 'staff' }, item, s.file) })),
  };
}

/** Details as stored, less the vetting record (presented, with URLs, under `checks`). */
function presentDetails(item: ItemRow) {
  if (!item.details) return null;
  const { vetting: _vetting, ...rest } = item.details;
  return rest;
}

export function presentItem(item: ItemRow, viewer: { kind: 'board'; token: string }): BoardItem;
export function presentItem(item: ItemRow, viewer?: { kind: 'staff' }): Item;
export function presentItem(item: ItemRow, viewer: MediaViewer = { kind: 'staff' }): BoardItem | Item {
  const base: BoardItem = {
    id: item.id,
    url: item.url,
    playlistId: item.playlist_id,
    kind: item.kind,
    status: item.status,
    progress: item.progress,
    title: item.title ?? '',
    durationSeconds: item.duration_seconds,
    startSeconds: item.start_seconds,
    endSeconds: item.end_seconds,
    expiresAt: item.expires_at ? item.expires_at.toISOString() : null,
    media: presentMedia(item, viewer),
    source: presentSource(item),
    // The teacher chose the live site over the vetted copy (the board route re-judges it against the allow list).
    openLive: item.open_live ?? false,
  };
  if (viewer.kind === 'board') return base;
  return {
    ...base,
    error: item.error_code ? { code: item.error_code, message: item.error_message ?? '' } : null,
    rejectReason: item.reject_reason,
    reviewedAt: item.reviewed_at ? item.reviewed_at.toISOString() : null,
    createdAt: item.created_at.toISOString(),
    updatedAt: item.updated_at.toISOString(),
    checks: presentChecks(item),
    details: presentDetails(item),
  };
}

export { boardUrl } from '../services/classes.js';

/** A playlist with its items, as the desk shows it. */
export function presentPlaylist({ playlist, items }: PlaylistContents): Playlist {
  return { id: playlist.id, classId: playlist.class_id, name: playlist.name, kind: playlist.kind, items: items.map((i) => presentItem(i)) };
}

/** The board answer: the class and its playlists with the items on show, media under the board's own link. */
export function presentBoard(contents: BoardContents, token: string, liveAllowed: (url: string) => boolean): BoardAnswer {
  const viewer = { kind: 'board' as const, token };
  return {
    class: { id: contents.class.id, name: contents.class.name },
    playlists: contents.playlists.map((p) => ({
      id: p.id,
      name: p.name,
      kind: p.kind,
      items: p.items.map((i) => ({ ...presentItem(i, viewer), openLive: i.open_live && liveAllowed(i.url) })),
    })),
  };
}
