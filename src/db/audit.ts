import type { Db } from './database.js';

export interface AuditEntry {
  actorId: string | null;
  actorKind: 'staff' | 'board' | 'system' | 'anonymous';
  action: string;
  target?: string | null;
  ip?: string | null;
  detail?: Record<string, unknown> | null;
}

/** The audit log only ever grows: the table's trigger refuses updates and deletes. */
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
    async list(limit = 500) {
      return db
        .selectFrom('audit_log')
        .leftJoin('users', 'users.id', 'audit_log.actor_id')
        .select([
          'audit_log.id',
          'audit_log.at',
          'audit_log.actor_id',
          'audit_log.actor_kind',
          'audit_log.action',
          'audit_log.target',
          'audit_log.ip',
          'audit_log.detail',
          'users.email',
          'users.erased_at',
        ])
        .orderBy('audit_log.at', 'desc')
        .orderBy('audit_log.id', 'desc')
        .limit(limit)
        .execute();
    },
  };
}

export type AuditRepository = ReturnType<typeof auditRepository>;
