import { sql } from 'kysely';
import type { DomainRuleAction } from '../domain/domain-rules.js';
import type { Db } from './database.js';
import type { DomainRuleRow } from './schema.js';

/** The filtering policy's rules. A pattern is there at most once; adding it again changes its action. */
export function domainRulesRepository(db: Db) {
  return {
    async list(): Promise<DomainRuleRow[]> {
      return db.selectFrom('domain_rules').selectAll().orderBy('pattern').execute();
    },
    async get(id: string): Promise<DomainRuleRow | undefined> {
      return db.selectFrom('domain_rules').selectAll().where('id', '=', id).executeTakeFirst();
    },
    /** Adds a rule or changes the action of the existing one; tells which happened. */
    async upsert(
      pattern: string,
      action: DomainRuleAction,
      note: string | null,
      by: string | null,
    ): Promise<{ rule: DomainRuleRow; created: boolean; previous?: DomainRuleAction }> {
      return db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom('domain_rules').selectAll().where('pattern', '=', pattern).forUpdate().executeTakeFirst();
        if (existing) {
          const rule = await trx
            .updateTable('domain_rules')
            .set({ action, note: note ?? existing.note, updated_at: sql`now()` as never })
            .where('id', '=', existing.id)
            .returningAll()
            .executeTakeFirstOrThrow();
          return { rule, created: false, previous: existing.action };
        }
        const rule = await trx
          .insertInto('domain_rules')
          .values({ pattern, action, note, created_by: by })
          .onConflict((oc) => oc.column('pattern').doUpdateSet({ action, updated_at: sql`now()` as never }))
          .returningAll()
          .executeTakeFirstOrThrow();
        return { rule, created: true };
      });
    },
    async remove(id: string): Promise<DomainRuleRow | undefined> {
      return db.deleteFrom('domain_rules').where('id', '=', id).returningAll().executeTakeFirst();
    },
  };
}

export type DomainRulesRepository = ReturnType<typeof domainRulesRepository>;
