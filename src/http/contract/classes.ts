import { Type, type Static } from '@sinclair/typebox';
import { Choice, IsoTime, Nullable } from './common.js';
import { BoardItem, Item } from './items.js';

/** Classes, their playlists and their board. */

export const PlaylistKind = Choice(['videos', 'sites']);

export const PlaylistSummary = Type.Object({ id: Type.String(), classId: Type.String(), name: Type.String(), kind: PlaylistKind });
/** A playlist with ALL its items, every status. */
export const Playlist = Type.Composite([PlaylistSummary, Type.Object({ items: Type.Array(Item) })]);

/** The board's secret link: `url` is the page a classroom board opens. */
export const BoardLink = Type.Object({ token: Type.String(), url: Type.String() });
export const BoardLinkAnswer = Type.Object({ board: BoardLink });

export const ClassCreated = Type.Object({ id: Type.String(), name: Type.String(), board: BoardLink });

export const ClassCounts = Type.Object({ awaitingReview: Type.Number(), reported: Type.Number() });

/** A class in the teacher's list, with what waits for its teachers. */
export const ClassInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  board: BoardLink,
  counts: ClassCounts,
  boardSeenAt: Nullable(IsoTime),
  playlists: Type.Array(PlaylistSummary),
});
export const ClassList = Type.Object({ classes: Type.Array(ClassInfo) });

export const Member = Type.Object({ id: Type.String(), email: Type.String() });
export const ClassDetail = Type.Object({
  id: Type.String(),
  name: Type.String(),
  board: BoardLink,
  playlists: Type.Array(PlaylistSummary),
  members: Type.Array(Member),
});
export const MemberAdded = Type.Object({ member: Member, members: Type.Array(Member) });

/** What a board shows: ONLY approved, unexpired items, media under the board's own link. */
export const BoardAnswer = Type.Object({
  class: Type.Object({ id: Type.String(), name: Type.String() }),
  playlists: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), kind: PlaylistKind, items: Type.Array(BoardItem) })),
});

/** A six-character code a board types at /pair, valid for ten minutes. */
export const PairingCode = Type.Object({ code: Type.String(), expiresAt: IsoTime, pairUrl: Type.String() });
export const Paired = Type.Object({ class: Type.Object({ id: Type.String(), name: Type.String() }), boardUrl: Type.String() });

export type PlaylistKind = Static<typeof PlaylistKind>;
export type PlaylistSummary = Static<typeof PlaylistSummary>;
export type Playlist = Static<typeof Playlist>;
export type ClassInfo = Static<typeof ClassInfo>;
export type ClassDetail = Static<typeof ClassDetail>;
export type Member = Static<typeof Member>;
export type BoardAnswer = Static<typeof BoardAnswer>;
export type PairingCode = Static<typeof PairingCode>;
