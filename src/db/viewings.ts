import { sql } from 'kysely';
import type { Range } from '../domain/coverage.js';
import type { Db } from './database.js';
import type { ViewingRow } from './schema.js';

/** What each reviewer has played of each item: the union of the ranges the desk reported. */
export function viewingsRepository(db: Db) {
  return {
    /** This reviewer's viewing of this copy of the item; one of an older copy counts as none. */
    async of(itemId: string, userId: string, generation: number): Promise<ViewingRow | undefined> {
      return db
        .selectFrom('item_viewings')
        .selectAll()
        .where('item_id', '=', itemId)
        .where('user_id', '=', userId)
        .where('media_generation', '=', generation)
        .executeTakeFirst();
    },
    /** Stores the merged ranges; a viewing of an older copy is replaced, starting the clock again. */
    async save(itemId: string, userId: string, generation: number, ranges: Range[], coverage: number): Promise<ViewingRow> {
      const json = JSON.stringify(ranges);
      return db
        .insertInto('item_viewings')
        .values({ item_id: itemId, user_id: userId, media_generation: generation, ranges: json, coverage })
        .onConflict((oc) =>
          oc.columns(['item_id', 'user_id']).doUpdateSet({
            ranges: json,
            coverage,
            media_generation: generation,
            updated_at: sql`now()` as never,
            first_at: sql`CASE WHEN item_viewings.media_generation = ${generation} THEN item_viewings.first_at ELSE now() END` as never,
          }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
    },
  };
}

export type ViewingsRepository = ReturnType<typeof viewingsRepository>;
