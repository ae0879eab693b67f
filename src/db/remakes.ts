import { sql } from 'kysely';
import type { Db } from './database.js';

/** Drafts made to replace an approved item (a re-trim), see services/review.ts. */
export function remakesRepository(db: Db) {
  return {
    /** The newest draft of an item, if any: how its re-make is going, or why it failed. */
    async latestOf(itemId: string): Promise<{ id: string; status: string; error_code: string | null; error_message: string | null } | undefined> {
      return db
        .selectFrom('items')
        .select(['id', 'status', 'error_code', 'error_message'])
        .where(sql<string>`details->>'remakeOf'`, '=', itemId)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
    },
  };
}
