import { sql } from 'kysely';
import type { Db } from './database.js';
import type { ItemRow } from './schema.js';

export interface ClassCounts {
  awaitingReview: number;
  reported: number;
}

/** What needs a teacher's attention: items waiting for review and items reported from a board or the desk. */
export function attentionRepository(db: Db) {
  return {
    /** A board has shown the class: recorded at most once a minute, so a busy board costs no writes. */
    async boardSeen(classId: string): Promise<void> {
      await db
        .updateTable('classes')
        .set({ board_seen_at: sql`now()` as never })
        .where('id', '=', classId)
        .where((eb) => eb.or([eb('board_seen_at', 'is', null), eb('board_seen_at', '<', sql<Date>`now() - interval '1 minute'`)]))
        .execute();
    },

    async countsByClass(classIds: string[]): Promise<Map<string, ClassCounts>> {
      const out = new Map<string, ClassCounts>(classIds.map((id) => [id, { awaitingReview: 0, reported: 0 }]));
      if (classIds.length === 0) return out;
      const rows = await db
        .selectFrom('items')
        .innerJoin('playlists', 'playlists.id', 'items.playlist_id')
        .select(['playlists.class_id as classId', 'items.status'])
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('playlists.class_id', 'in', classIds)
        .where('items.status', 'in', ['awaiting_review', 'quarantined'])
        .groupBy(['playlists.class_id', 'items.status'])
        .execute();
      for (const r of rows) {
        const c = out.get(r.classId)!;
        if (r.status === 'awaiting_review') c.awaitingReview = Number(r.n);
        else c.reported = Number(r.n);
      }
      return out;
    },

    /** The "To review" queue across classes: oldest first, so nothing waits for ever. */
    async awaitingReview(classIds: string[], limit = 500): Promise<Array<ItemRow & { class_id: string; class_name: string; playlist_name: string }>> {
      if (classIds.length === 0) return [];
      return db
        .selectFrom('items')
        .innerJoin('playlists', 'playlists.id', 'items.playlist_id')
        .innerJoin('classes', 'classes.id', 'playlists.class_id')
        .selectAll('items')
        .select(['playlists.class_id as class_id', 'classes.name as class_name', 'playlists.name as playlist_name'])
        .where('playlists.class_id', 'in', classIds)
        .where('items.status', '=', 'awaiting_review')
        .orderBy('items.updated_at')
        .orderBy('items.id')
        .limit(limit)
        .execute();
    },

    /** Items now off the boards because someone reported them, with the latest open report of each. */
    async reported(classIds: string[]) {
      if (classIds.length === 0) return [];
      return db
        .selectFrom('items')
        .innerJoin('playlists', 'playlists.id', 'items.playlist_id')
        .innerJoin('classes', 'classes.id', 'playlists.class_id')
        .leftJoinLateral(
          (eb) =>
            eb
              .selectFrom('incidents')
              .select(['incidents.created_at', 'incidents.reporter_kind', 'incidents.note'])
              .whereRef('incidents.item_id', '=', 'items.id')
              .where('incidents.status', '=', 'open')
              .orderBy('incidents.created_at', 'desc')
              .limit(1)
              .as('report'),
          (j) => j.onTrue(),
        )
        .select([
          'items.id',
          'items.title',
          'items.playlist_id',
          'playlists.class_id',
          'classes.name as class_name',
          'report.created_at as reported_at',
          'report.reporter_kind',
          'report.note',
        ])
        .where('playlists.class_id', 'in', classIds)
        .where('items.status', '=', 'quarantined')
        .orderBy('items.updated_at', 'desc')
        .limit(100)
        .execute();
    },
  };
}
