import { sql } from 'kysely';
import type { Db } from './database.js';

/** Figures for the IT person's monitoring (/metrics): how much the school keeps, and in what state. */
export function opsStatsRepository(db: Db) {
  return {
    /** Bytes of published media, as recorded when each item was made ready. */
    async storedBytes(): Promise<number> {
      const row = await db
        .selectFrom('items')
        .select(sql<string>`coalesce(sum(media_bytes), 0)`.as('bytes'))
        .executeTakeFirstOrThrow();
      return Number(row.bytes);
    },
    async itemsByStatus(): Promise<Array<{ status: string; count: number }>> {
      const rows = await db
        .selectFrom('items')
        .select(['status', sql<string>`count(*)`.as('count')])
        .groupBy('status')
        .execute();
      return rows.map((r) => ({ status: r.status, count: Number(r.count) }));
    },
    /** Answers when the database does. */
    async ping(): Promise<void> {
      await sql`SELECT 1`.execute(db);
    },
  };
}
