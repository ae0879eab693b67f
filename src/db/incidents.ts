import { sql } from 'kysely';
import type { Db } from './database.js';
import type { IncidentResolution, IncidentRow, IncidentStatus, ReporterKind } from './schema.js';

/** What an incident records when it is opened: a snapshot of the item and where it was shown, and who reported it. */
export interface NewIncident {
  item: { id: string; title: string | null; url: string; kind: string; status: string; class_id: string; class_name: string; playlist_id: string; playlist_name: string };
  note: string;
  reporter: { kind: ReporterKind; id: string | null; ip: string | null };
}

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

/** The incident log. Reporting and resolving (the use cases, with the item's status change) are src/services/incidents.ts. */
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

    async open(input: NewIncident): Promise<IncidentRow> {
      const { item } = input;
      return db
        .insertInto('incidents')
        .values({
          item_id: item.id,
          item_title: item.title,
          item_url: item.url,
          item_kind: item.kind,
          item_status_before: item.status,
          class_id: item.class_id,
          class_name: item.class_name,
          playlist_id: item.playlist_id,
          playlist_name: item.playlist_name,
          note: input.note,
          reporter_kind: input.reporter.kind,
          reporter_id: input.reporter.id,
          reporter_ip: input.reporter.ip,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    /** Locks the incident's row for the rest of the caller's transaction. */
    async lock(id: string): Promise<IncidentRow | undefined> {
      return db.selectFrom('incidents').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    },

    /** Closes every open incident of the item with one decision; returns the ones it closed. */
    async resolveAllOf(itemId: string, decision: { resolution: IncidentResolution; note: string; by: string }): Promise<IncidentRow[]> {
      return db
        .updateTable('incidents')
        .set({
          status: 'resolved',
          resolution: decision.resolution,
          resolution_note: decision.note,
          resolved_by: decision.by,
          resolved_at: sql`now()` as never,
        })
        .where('item_id', '=', itemId)
        .where('status', '=', 'open')
        .returningAll()
        .execute();
    },
  };
}

export type IncidentsRepository = ReturnType<typeof incidentsRepository>;
