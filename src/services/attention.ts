import type { AppContext } from '../api-context.js';
import type { Viewer } from '../db/classes.js';

/**
 * Attention where it is needed (issue 15): per class, what waits for review and what was reported; the
 * queue of items to review across the teacher's classes; the reports the desk shows as a banner.
 */
export function attentionService(ctx: AppContext) {
  const repo = ctx.repos.attention;

  /** The classes this person looks after (a teacher's own, an admin's all: the list GET /api/classes shows). */
  async function classesOf(viewer: Viewer) {
    return ctx.repos.classes.listFor(viewer);
  }

  return {
    counts: (classIds: string[]) => repo.countsByClass(classIds),

    /** A board has shown the class (the desk's "seen by a board"); the board service calls it at most once a minute. */
    boardSeen: (classId: string) => repo.boardSeen(classId),

    async queue(staff: Viewer) {
      const classes = await classesOf(staff);
      return repo.awaitingReview(classes.map((c) => c.id));
    },

    /** What the desk's banner and counts show, sent again whenever it changes. */
    async summary(staff: Viewer) {
      const classes = await classesOf(staff);
      const ids = classes.map((c) => c.id);
      const counts = await repo.countsByClass(ids);
      const reported = await repo.reported(ids);
      return {
        classes: classes.map((c) => ({ id: c.id, name: c.name, counts: counts.get(c.id)! })),
        reported: reported.map((r) => ({
          id: r.id,
          title: r.title ?? '',
          classId: r.class_id,
          className: r.class_name,
          playlistId: r.playlist_id,
          reportedAt: r.reported_at ? r.reported_at.toISOString() : null,
          fromBoard: r.reporter_kind === 'board',
          note: r.note ?? '',
        })),
      };
    },
  };
}

export type AttentionService = ReturnType<typeof attentionService>;
