import { sql } from 'kysely';
import type { Db } from './database.js';
import { itemsRepository } from './items.js';
import type { ClassRow, PlaylistKind, PlaylistRow } from './schema.js';

/** Who is looking: a teacher sees the classes they are a member of, an admin sees every class. */
export interface Viewer {
  id: string;
  role: 'teacher' | 'admin';
}

export function classesRepository(db: Db) {
  return {
    /** A new class, with its creator as its first member, in one transaction. */
    async create(name: string, boardToken: string, createdBy: string | null): Promise<ClassRow> {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('classes')
          .values({ name, board_token: boardToken, created_by: createdBy })
          .returningAll()
          .executeTakeFirstOrThrow();
        if (createdBy) await trx.insertInto('class_members').values({ class_id: row.id, user_id: createdBy, added_by: createdBy }).execute();
        return row;
      });
    },
    /** The classes a person may see (deleted ones never). */
    async listFor(viewer: Viewer): Promise<ClassRow[]> {
      let q = db.selectFrom('classes').selectAll('classes').where('classes.deleted_at', 'is', null);
      if (viewer.role !== 'admin') {
        q = q.where((eb) =>
          eb.exists(
            eb
              .selectFrom('class_members')
              .select(sql`1`.as('one'))
              .whereRef('class_members.class_id', '=', 'classes.id')
              .where('class_members.user_id', '=', viewer.id),
          ),
        );
      }
      return q.orderBy('classes.name').orderBy('classes.created_at').execute();
    },
    /** A class that has not been deleted. */
    async get(id: string): Promise<ClassRow | undefined> {
      return db.selectFrom('classes').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    },
    /** The live class behind a board token; a rotated-away or deleted class's token finds nothing. */
    async byBoardToken(token: string): Promise<ClassRow | undefined> {
      return db.selectFrom('classes').selectAll().where('board_token', '=', token).where('deleted_at', 'is', null).executeTakeFirst();
    },
    /**
     * A new board token. The old one finds nothing from the moment this commits; open board streams
     * learn of it through the `board_revoked` notification (sent on commit).
     */
    async rotateBoardToken(id: string, token: string): Promise<ClassRow | undefined> {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('classes')
          .set({ board_token: token })
          .where('id', '=', id)
          .where('deleted_at', 'is', null)
          .returningAll()
          .executeTakeFirst();
        if (row) await sql`SELECT pg_notify('board_revoked', ${id})`.execute(trx);
        return row;
      });
    },
    /**
     * Deletes a class: its board token is replaced by one never given out, every item of it becomes
     * `removed` (purgeable, media served to nobody), and open boards are told at once. The row stays so the
     * incident log can still name the class. Returns the items that were taken, with their status before.
     */
    async markDeleted(id: string, deadToken: string): Promise<{ items: Array<{ id: string; status: string }> } | undefined> {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('classes')
          .set({ deleted_at: new Date(), board_token: deadToken })
          .where('id', '=', id)
          .where('deleted_at', 'is', null)
          .returning('id')
          .executeTakeFirst();
        if (!row) return undefined;
        const before = await trx
          .selectFrom('items')
          .innerJoin('playlists', 'playlists.id', 'items.playlist_id')
          .select(['items.id', 'items.status'])
          .where('playlists.class_id', '=', id)
          .where('items.status', '!=', 'removed')
          .forUpdate()
          .execute();
        await itemsRepository(trx).removeAll(before.map((i) => i.id));
        await sql`SELECT pg_notify('board_revoked', ${id})`.execute(trx);
        return { items: before };
      });
    },
  };
}

export function playlistsRepository(db: Db) {
  return {
    async create(classId: string, name: string, kind: PlaylistKind): Promise<PlaylistRow> {
      return db.insertInto('playlists').values({ class_id: classId, name, kind }).returningAll().executeTakeFirstOrThrow();
    },
    async get(id: string): Promise<PlaylistRow | undefined> {
      return db.selectFrom('playlists').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async listByClasses(classIds: string[]): Promise<PlaylistRow[]> {
      if (classIds.length === 0) return [];
      return db
        .selectFrom('playlists')
        .selectAll()
        .where('class_id', 'in', classIds)
        .orderBy('created_at')
        .execute();
    },
  };
}
