import type { Db } from './database.js';
import type { ClassRow, PlaylistKind, PlaylistRow } from './schema.js';

export function classesRepository(db: Db) {
  return {
    async create(name: string, boardToken: string, createdBy: string | null): Promise<ClassRow> {
      return db
        .insertInto('classes')
        .values({ name, board_token: boardToken, created_by: createdBy })
        .returningAll()
        .executeTakeFirstOrThrow();
    },
    async list(): Promise<ClassRow[]> {
      return db.selectFrom('classes').selectAll().orderBy('name').orderBy('created_at').execute();
    },
    async get(id: string): Promise<ClassRow | undefined> {
      return db.selectFrom('classes').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async byBoardToken(token: string): Promise<ClassRow | undefined> {
      return db.selectFrom('classes').selectAll().where('board_token', '=', token).executeTakeFirst();
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
