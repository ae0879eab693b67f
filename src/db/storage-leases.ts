import { sql } from 'kysely';
import type { Db } from './database.js';

/** A lease older than this belongs to a process that died mid-upload: its folder is an orphan again. */
const STALE_HOURS = 24;

/**
 * Storage an operation is writing before the item row exists (an upload's original): `storage check --fix`
 * must leave it alone. Taken before the first byte is written, released once the row exists or the files
 * are gone.
 */
export function storageLeasesRepository(db: Db) {
  return {
    async take(itemId: string, kind: 'upload'): Promise<void> {
      await db.insertInto('storage_leases').values({ item_id: itemId, kind }).execute();
    },
    async release(itemId: string): Promise<void> {
      await db.deleteFrom('storage_leases').where('item_id', '=', itemId).execute();
    },
    /** Which of these ids are held by a live operation. */
    async held(itemIds: string[]): Promise<Set<string>> {
      if (itemIds.length === 0) return new Set();
      const rows = await db
        .selectFrom('storage_leases')
        .select('item_id')
        .where('item_id', 'in', itemIds)
        .where(sql<boolean>`taken_at > now() - make_interval(hours => ${STALE_HOURS})`)
        .execute();
      return new Set(rows.map((r) => r.item_id));
    },
  };
}
