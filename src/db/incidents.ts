import type { Db } from './database.js';
import type { IncidentRow, IncidentStatus } from './schema.js';

export interface IncidentView extends IncidentRow {
  reporter_email: string | null;
  reporter_erased_at: Date | null;
  resolver_email: string | null;
  resolver_erased_at: Date | null;
  item_status_now: string | null;
  item_reviewed_at: Date | null;
  approver_id: string | null;
  approver_email: string | null;
  approver_erased_at: Date | null;
}

/** Read side of the incident log; reporting and resolving live in src/governance/incidents.ts. */
export function incidentsRepository(db: Db) {
  function base() {
    return db
      .selectFrom('incidents')
      .leftJoin('users as reporter', (j) =>
        j.onRef('reporter.id', '=', 'incidents.reporter_id').on('incidents.reporter_kind', '=', 'staff'),
      )
      .leftJoin('users as resolver', 'resolver.id', 'incidents.resolved_by')
      .leftJoin('items', 'items.id', 'incidents.item_id')
      // Who approved the item (issue 15: the incident view names the approver beside the reporter).
      .leftJoin('users as approver', 'approver.id', 'items.reviewed_by')
      .selectAll('incidents')
      .select([
        'reporter.email as reporter_email',
        'reporter.erased_at as reporter_erased_at',
        'resolver.email as resolver_email',
        'resolver.erased_at as resolver_erased_at',
        'items.status as item_status_now',
        'items.reviewed_at as item_reviewed_at',
        'approver.id as approver_id',
        'approver.email as approver_email',
        'approver.erased_at as approver_erased_at',
      ]);
  }
  return {
    async list(filter: { status?: IncidentStatus; itemId?: string; limit?: number } = {}): Promise<IncidentView[]> {
      let q = base();
      if (filter.status) q = q.where('incidents.status', '=', filter.status);
      if (filter.itemId) q = q.where('incidents.item_id', '=', filter.itemId);
      // Open ones first (the queue), then the history, newest first.
      return (await q
        .orderBy('incidents.status')
        .orderBy('incidents.created_at', 'desc')
        .orderBy('incidents.id')
        .limit(filter.limit ?? 10_000)
        .execute()) as IncidentView[];
    },
    async get(id: string): Promise<IncidentView | undefined> {
      return (await base().where('incidents.id', '=', id).executeTakeFirst()) as IncidentView | undefined;
    },
  };
}

export type IncidentsRepository = ReturnType<typeof incidentsRepository>;
