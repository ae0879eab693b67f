import { Type, type Static } from '@sinclair/typebox';
import { Choice, IsoTime, Nullable, Problem } from './common.js';

/** "The item" of the contract: as a board sees it, and as staff see it with what they need to vet it. */

export const ITEM_STATUSES = [
  'queued', 'fetching', 'processing', 'awaiting_review', 'approved', 'rejected', 'failed', 'expired', 'quarantined', 'removed',
] as const;
export const ItemStatus = Choice(ITEM_STATUSES);
export const ItemKind = Choice(['video', 'webpage']);

/** URLs of the item's files; which ones depends on the kind. Board URLs carry the board's token. */
export const ItemMedia = Type.Object({
  video: Type.Optional(Type.String()),
  poster: Type.Optional(Type.String()),
  thumbnail: Type.Optional(Type.String()),
  page: Type.Optional(Type.String({ description: 'the cleaned copy (reader view) of a web page' })),
  captions: Type.Optional(Type.String({ description: 'WebVTT' })),
  storyboard: Type.Optional(Type.String({ description: "one picture of the video's scenes" })),
});

/** Where the item came from, for the attribution the school's copyright policy asks for. */
export const ItemSource = Type.Object({
  name: Type.String(),
  url: Type.String(),
  licence: Nullable(Type.String()),
  author: Nullable(Type.String()),
});

export const FlashCheck = Type.Object({
  verdict: Choice(['pass', 'warning', 'fail']),
  moments: Type.Array(
    Type.Object({
      startSeconds: Type.Number(),
      endSeconds: Type.Number(),
      kind: Choice(['luminance', 'red']),
      flashesPerSecond: Type.Number(),
    }),
  ),
});

export const LoudnessCheck = Type.Object({ inputLufs: Type.Number(), outputLufs: Type.Number(), truePeakDb: Type.Number() });

export const WordFlag = Type.Object({
  word: Type.String(),
  source: Choice(['captions', 'title', 'description', 'page']),
  startSeconds: Nullable(Type.Number()),
  context: Type.String(),
});

/** The facts a teacher needs to vet quickly, and the vetting aids (null where a check does not apply or could not run). */
export const ItemChecks = Type.Object({
  durationSeconds: Nullable(Type.Number()),
  channel: Nullable(Type.String()),
  site: Nullable(Type.String()),
  ageRestricted: Nullable(Type.Boolean()),
  madeForKids: Nullable(Type.Boolean()),
  familySafe: Nullable(Type.Boolean()),
  captions: Type.Boolean(),
  domainRule: Nullable(Type.Object({ pattern: Type.String(), action: Type.String() })),
  flags: Type.Array(Type.String()),
  redirectsTo: Nullable(Type.String()),
  plainHttp: Type.Boolean({ description: 'typed without http(s)://, and the site has no secure version: fetched over http://' }),
  reusedFrom: Nullable(Type.String()),
  flashing: Nullable(FlashCheck),
  loudness: Nullable(LoudnessCheck),
  words: Nullable(Type.Array(WordFlag)),
  scenes: Type.Array(Type.Object({ startSeconds: Type.Number(), thumbnail: Type.String() })),
});

const boardFields = {
  id: Type.String(),
  url: Type.String(),
  playlistId: Type.String(),
  kind: ItemKind,
  status: ItemStatus,
  progress: Type.Number({ description: '0–100' }),
  title: Type.String(),
  durationSeconds: Nullable(Type.Number()),
  startSeconds: Nullable(Type.Number()),
  endSeconds: Nullable(Type.Number()),
  expiresAt: Nullable(IsoTime),
  media: Nullable(ItemMedia),
  source: ItemSource,
  openLive: Type.Boolean({ description: 'a site the teacher chose to open live on the board (allow-listed domains only)' }),
};

/** An item as a board sees it: no review details, media under the board's own link. */
export const BoardItem = Type.Object(boardFields);

/** An approved item's re-made copy (a new trim), made as a draft beside it. */
export const Remake = Type.Object({ id: Type.String(), status: Type.String(), error: Nullable(Problem) });

/** An item as staff see it. */
export const Item = Type.Object({
  ...boardFields,
  error: Nullable(Problem),
  rejectReason: Nullable(Type.String()),
  reviewedAt: Nullable(IsoTime),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  checks: ItemChecks,
  details: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'what was learnt while fetching, as stored' })),
  remake: Type.Optional(Nullable(Remake)),
  notice: Type.Optional(
    Nullable(Type.Object({ code: Type.String(), message: Type.String() }, { description: 'on the answer to a submit: the link was taken as another kind than the list' })),
  ),
});

/** An item in the "To review" queue, across the teacher's classes. */
export const QueueItem = Type.Composite([Item, Type.Object({ classId: Type.String(), className: Type.String(), playlistName: Type.String() })]);
export const ReviewQueue = Type.Object({ items: Type.Array(QueueItem) });

/** What this reviewer has played of an item (seconds of a clip, fractions 0–1 of a page). */
export const WatchState = Type.Object({
  ranges: Type.Array(Type.Tuple([Type.Number(), Type.Number()])),
  coverage: Type.Number({ description: '0–1' }),
  required: Nullable(Type.Number({ description: 'the share needed before approval; null when the school does not require watching' })),
  met: Type.Boolean(),
});

export const ItemDeleted = Type.Object({ id: Type.String(), removed: Type.Literal(true) });

export type ItemStatus = Static<typeof ItemStatus>;
export type ItemMedia = Static<typeof ItemMedia>;
export type ItemSource = Static<typeof ItemSource>;
export type ItemChecks = Static<typeof ItemChecks>;
export type FlashCheck = Static<typeof FlashCheck>;
export type WordFlag = Static<typeof WordFlag>;
export type BoardItem = Static<typeof BoardItem>;
export type Item = Static<typeof Item>;
export type QueueItem = Static<typeof QueueItem>;
export type WatchState = Static<typeof WatchState>;
