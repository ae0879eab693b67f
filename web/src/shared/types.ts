/** The shapes the API returns (see /work/shared/design/api.md and src/http/present.ts). */

export type ItemStatus =
  | 'queued'
  | 'fetching'
  | 'processing'
  | 'awaiting_review'
  | 'approved'
  | 'rejected'
  | 'failed'
  | 'expired'
  | 'quarantined'
  | 'removed';

export interface ItemMedia {
  video?: string;
  poster?: string;
  thumbnail?: string;
  page?: string;
  captions?: string;
  /** One picture of the storyboard's scenes (issue 12). */
  storyboard?: string;
}

export interface ItemSource {
  name: string;
  url: string;
  licence: string | null;
  author: string | null;
}

export interface ItemChecks {
  durationSeconds: number | null;
  channel: string | null;
  site: string | null;
  ageRestricted: boolean | null;
  madeForKids: boolean | null;
  familySafe: boolean | null;
  captions: boolean;
  domainRule: { pattern: string; action: string } | null;
  flags: string[];
  redirectsTo: string | null;
  /** Typed without http(s)://; the site has no secure version, so it was fetched over http://. */
  plainHttp?: boolean;
  reusedFrom: string | null;
  // The vetting aids (issue 12): null where a check does not apply or could not run.
  flashing?: FlashCheck | null;
  loudness?: { inputLufs: number; outputLufs: number; truePeakDb: number } | null;
  words?: WordFlag[] | null;
  scenes?: Array<{ startSeconds: number; thumbnail: string }>;
}

export interface FlashCheck {
  verdict: 'pass' | 'warning' | 'fail';
  moments: Array<{ startSeconds: number; endSeconds: number; kind: 'luminance' | 'red'; flashesPerSecond: number }>;
}

export interface WordFlag {
  word: string;
  source: 'captions' | 'title' | 'description' | 'page';
  startSeconds: number | null;
  context: string;
}

/** An item as a board sees it. */
export interface BoardItem {
  id: string;
  url: string;
  playlistId: string;
  kind: 'video' | 'webpage';
  status: ItemStatus;
  progress: number;
  title: string;
  durationSeconds: number | null;
  startSeconds: number | null;
  endSeconds: number | null;
  expiresAt: string | null;
  media: ItemMedia | null;
  source: ItemSource;
  /** A site the teacher chose to open live on the board (allow-listed domains only) instead of its copy. */
  openLive?: boolean;
}

/** An item as staff see it. */
export interface Item extends BoardItem {
  error: { code: string; message: string } | null;
  /** An approved item's re-made copy (a new trim), made as a draft beside it; only on the item's own page. */
  remake?: { id: string; status: ItemStatus; error: { code: string; message: string } | null } | null;
  rejectReason?: string | null;
  reviewedAt?: string | null;
  createdAt?: string;
  updatedAt?: string;
  checks?: ItemChecks;
  details?: Record<string, unknown> | null;
  /** Set on the answer to a submit when the link was taken as something other than the list's kind. */
  notice?: { code: string; message: string } | null;
}

export type PlaylistKind = 'videos' | 'sites';

export interface PlaylistSummary {
  id: string;
  classId: string;
  name: string;
  kind: PlaylistKind;
}

export interface Playlist extends PlaylistSummary {
  items: Item[];
}

export interface ClassInfo {
  id: string;
  name: string;
  board: { token: string; url: string };
  playlists: PlaylistSummary[];
  /** What waits for the class's teachers. */
  counts?: { awaitingReview: number; reported: number };
  /** When a board last showed the class; null when none ever has. */
  boardSeenAt?: string | null;
}

export interface StaffUser {
  id: string;
  email: string;
  role: 'teacher' | 'admin';
}

export interface Me {
  user: StaffUser;
  reminder: string;
  reminderVersion: number;
  reminderAcknowledged: boolean;
}

export interface BoardData {
  class: { id: string; name: string };
  playlists: Array<{ id: string; name: string; kind: PlaylistKind; items: BoardItem[] }>;
}
