import type { Db } from './database.js';

export interface AuditEntry {
  actorId: string | null;
  actorKind: 'staff' | 'board' | 'system' | 'anonymous';
  action: string;
  target?: string | null;
  ip?: string | null;
  detail?: Record<string, unknown> | null;
}

/**
 * The write side of the audit log, which only ever grows: the table's trigger refuses updates and
 * deletes. Reading (filters, labels, CSV) is `audit-query.ts`.
 */
export function auditRepository(db: Db) {
  return {
    async record(e: AuditEntry): Promise<void> {
      await db
        .insertInto('audit_log')
        .values({
          actor_id: e.actorId,
          actor_kind: e.actorKind,
          action: e.action,
          target: e.target ?? null,
          ip: e.ip ?? null,
          detail: e.detail ? JSON.stringify(e.detail) : null,
        })
        .execute();
    },
  };
}

export type AuditRepository = ReturnType<typeof auditRepository>;
