import { sql } from 'kysely';
import type { Db } from './database.js';

export type ClassScopeKind = 'class' | 'playlist' | 'item';

export interface ClassMember {
  id: string;
  email: string;
  role: 'teacher' | 'admin';
}

/** The teachers of each class, and the one question every class route asks: whose class is this? */
export function classMembersRepository(db: Db) {
  return {
    /**
     * The live class a class, playlist or item belongs to, and whether this person is one of its members,
     * in one query. Undefined when there is no such thing or its class has been deleted.
     */
    async reach(kind: ClassScopeKind, id: string, userId: string): Promise<{ classId: string; member: boolean } | undefined> {
      const isMember = sql<boolean>`EXISTS (SELECT 1 FROM class_members m WHERE m.class_id = classes.id AND m.user_id = ${userId})`;
      if (kind === 'class') {
        return db
          .selectFrom('classes')
          .select(['classes.id as classId', isMember.as('member')])
          .where('classes.id', '=', id)
          .where('classes.deleted_at', 'is', null)
          .executeTakeFirst();
      }
      if (kind === 'playlist') {
        return db
          .selectFrom('playlists')
          .innerJoin('classes', 'classes.id', 'playlists.class_id')
          .select(['classes.id as classId', isMember.as('member')])
          .where('playlists.id', '=', id)
          .where('classes.deleted_at', 'is', null)
          .executeTakeFirst();
      }
      return db
        .selectFrom('items')
        .innerJoin('playlists', 'playlists.id', 'items.playlist_id')
        .innerJoin('classes', 'classes.id', 'playlists.class_id')
        .select(['classes.id as classId', isMember.as('member')])
        .where('items.id', '=', id)
        .where('classes.deleted_at', 'is', null)
        .executeTakeFirst();
    },

    async list(classId: string): Promise<ClassMember[]> {
      return db
        .selectFrom('class_members')
        .innerJoin('users', 'users.id', 'class_members.user_id')
        .select(['users.id', 'users.email', 'users.role'])
        .where('class_members.class_id', '=', classId)
        .where('users.erased_at', 'is', null)
        .orderBy('users.email')
        .execute();
    },

    /** true when the person was added, false when they were a member already. */
    async add(classId: string, userId: string, addedBy: string): Promise<boolean> {
      const row = await db
        .insertInto('class_members')
        .values({ class_id: classId, user_id: userId, added_by: addedBy })
        .onConflict((oc) => oc.columns(['class_id', 'user_id']).doNothing())
        .returning('user_id')
        .executeTakeFirst();
      return !!row;
    },

    /**
     * Takes a member out, unless they are the class's last one. The class row is locked first, so two
     * teachers removing each other at the same moment cannot leave the class with nobody.
     */
    async remove(classId: string, userId: string): Promise<'removed' | 'not_member' | 'last_member'> {
      return db.transaction().execute(async (trx) => {
        await trx.selectFrom('classes').select('id').where('id', '=', classId).forUpdate().executeTakeFirst();
        const members = await trx
          .selectFrom('class_members')
          .innerJoin('users', 'users.id', 'class_members.user_id')
          .select('class_members.user_id')
          .where('class_members.class_id', '=', classId)
          .where('users.erased_at', 'is', null)
          .execute();
        if (!members.some((m) => m.user_id === userId)) return 'not_member';
        if (members.length <= 1) return 'last_member';
        await trx.deleteFrom('class_members').where('class_id', '=', classId).where('user_id', '=', userId).execute();
        return 'removed';
      });
    },
  };
}

export type ClassMembersRepository = ReturnType<typeof classMembersRepository>;
