/**
 * The shapes the API returns, taken from the server's own response schemas (src/http/contract/, which the routes
 * serialise with): the pages and the server cannot drift apart. Types only — nothing of the server is bundled.
 */
import type { BoardAnswer } from '@contract';

export type {
  BoardItem,
  ClassInfo,
  FlashCheck,
  Item,
  ItemChecks,
  ItemMedia,
  ItemSource,
  ItemStatus,
  Me,
  Playlist,
  PlaylistKind,
  PlaylistSummary,
  StaffUser,
  WordFlag,
} from '@contract';

/** What `GET /api/board/:token` answers (and its event stream sends). */
export type BoardData = BoardAnswer;
