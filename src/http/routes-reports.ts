import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../api-context.js';
import type { IncidentView } from '../db/incidents.js';
import { VettedError } from '../domain/errors.js';
import { staffLabel } from '../domain/people.js';
import { decideIncident, incidentById, incidentLog, reportByStaff, reportFromBoard } from '../services/incidents.js';
import { classOfBoard, scopeOf, staffOf } from './access.js';
import { BoardToken as Token, Uuid } from './schemas.js';
import { toCsv } from './csv.js';
import { presentItem } from './present.js';
import { BoardReportTaken, IncidentAnswer, IncidentList, IncidentResolved, JsonOrCsv, withErrors, type Incident } from './contract/index.js';

const Note = Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' });

function boardNote(body: unknown): string {
  if (body === undefined || body === null) return '';
  const note = typeof body === 'object' ? (body as { note?: unknown }).note : undefined;
  if (note === undefined || note === null) return '';
  if (typeof note !== 'string' || note.length > 2000) {
    throw new VettedError('invalid_request', 'The field "note" must be a text of at most 2000 characters.', { httpStatus: 400 });
  }
  return note.trim();
}

function reporterLabel(i: IncidentView): string {
  if (i.reporter_kind === 'board') return `board ${i.class_name ?? ''}`.trim();
  if (i.reporter_kind === 'system') return 'system';
  return staffLabel(i.reporter_email === null ? undefined : { id: i.reporter_id!, email: i.reporter_email, erased_at: i.reporter_erased_at }, i.reporter_id);
}

export function presentIncident(i: IncidentView): Incident {
  return {
    id: i.id,
    status: i.status,
    note: i.note,
    createdAt: i.created_at.toISOString(),
    reportedBy: { kind: i.reporter_kind, label: reporterLabel(i) },
    // Who approved the item that was reported, and when (null when nobody had, or the item is purged).
    approvedBy: i.approver_id
      ? {
          label: staffLabel(i.approver_email === null ? undefined : { id: i.approver_id, email: i.approver_email, erased_at: i.approver_erased_at }, i.approver_id),
          at: i.item_reviewed_at ? i.item_reviewed_at.toISOString() : null,
        }
      : null,
    item: {
      id: i.item_id,
      title: i.item_title ?? '',
      url: i.item_url,
      kind: i.item_kind,
      statusBefore: i.item_status_before,
      // null once the purge has deleted the item: the snapshot above is all that is left.
      statusNow: i.item_status_now,
      classId: i.class_id,
      className: i.class_name,
      playlistId: i.playlist_id,
      playlistName: i.playlist_name,
    },
    resolution:
      i.status === 'resolved'
        ? {
            action: i.resolution,
            note: i.resolution_note ?? '',
            by: staffLabel(i.resolver_email === null ? undefined : { id: i.resolved_by!, email: i.resolver_email, erased_at: i.resolver_erased_at }, i.resolved_by),
            at: i.resolved_at?.toISOString() ?? null,
          }
        : null,
  };
}

const CSV_HEADER = [
  'incident_id', 'reported_at', 'reported_by', 'class', 'playlist', 'item_id', 'item_title', 'item_url', 'note',
  'status', 'resolution', 'resolution_note', 'resolved_by', 'resolved_at', 'item_status_now',
] as const;

/**
 * Incident reports: staff and boards report an item as unsuitable (it leaves every board at once), the
 * e-safety lead works the queue and resolves each report; the log is exportable for governors.
 */
export const reportRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post(
    '/api/items/:id/report',
    {
      config: { access: 'member', scope: scopeOf('item') },
      schema: { params: Type.Object({ id: Uuid }), body: Type.Object({ note: Note }), response: withErrors({ 201: IncidentAnswer }) },
    },
    async (request, reply) => {
      const incident = await reportByStaff(ctx, { itemId: request.params.id, note: request.body.note.trim(), by: staffOf(request).user.id, ip: request.ip });
      reply.status(201);
      return { incident: presentIncident(incident) };
    },
  );

  app.post(
    '/api/board/:token/items/:id/report',
    {
      config: { access: 'board' },
      // No body schema: a board's Report button may send no body at all, which a schema would refuse.
      schema: { params: Type.Object({ token: Token, id: Uuid }), response: withErrors({ 201: BoardReportTaken }) },
    },
    async (request, reply) => {
      const cls = await classOfBoard(ctx, request.params.token);
      const note = boardNote(request.body);
      const row = await reportFromBoard(ctx, { classId: cls.id, itemId: request.params.id, note, ip: request.ip });
      reply.status(201).header('cache-control', 'no-store');
      // A board learns only that its report was taken.
      return { incident: { id: row.id, itemId: row.item_id, status: row.status, createdAt: row.created_at.toISOString() } };
    },
  );

  app.get(
    '/api/admin/incidents',
    {
      config: { access: 'admin' },
      schema: {
        querystring: Type.Object({
          status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved')])),
          format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
        }),
        response: withErrors({ 200: JsonOrCsv(IncidentList, 'the incident log, newest first') }),
      },
    },
    async (request, reply) => {
      const csv = request.query.format === 'csv';
      const rows = await incidentLog(ctx, { status: request.query.status, exportedBy: csv ? { id: staffOf(request).user.id, ip: request.ip } : undefined });
      if (csv) {
        const csv = toCsv(
          CSV_HEADER,
          rows.map((r) => {
            const p = presentIncident(r);
            return [
              p.id, p.createdAt, p.reportedBy.label, p.item.className, p.item.playlistName, p.item.id, p.item.title, p.item.url, p.note,
              p.status, p.resolution?.action, p.resolution?.note, p.resolution?.by, p.resolution?.at, p.item.statusNow ?? 'purged',
            ];
          }),
        );
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="vetted-incidents-${new Date().toISOString().slice(0, 10)}.csv"`)
          .header('cache-control', 'no-store')
          .send(csv);
      }
      return { incidents: rows.map(presentIncident), open: rows.filter((r) => r.status === 'open').length };
    },
  );

  app.get(
    '/api/admin/incidents/:id',
    { config: { access: 'admin' }, schema: { params: Type.Object({ id: Uuid }), response: withErrors({ 200: IncidentAnswer }) } },
    async (request) => {
      return { incident: presentIncident(await incidentById(ctx, request.params.id)) };
    },
  );

  app.post(
    '/api/admin/incidents/:id/resolve',
    {
      config: { access: 'admin' },
      schema: {
        params: Type.Object({ id: Uuid }),
        body: Type.Object({ action: Type.Union([Type.Literal('reinstate'), Type.Literal('remove')]), note: Note }),
        response: withErrors({ 200: IncidentResolved }),
      },
    },
    async (request) => {
      const { incident, item } = await decideIncident(ctx, {
        incidentId: request.params.id,
        action: request.body.action,
        note: request.body.note.trim(),
        by: staffOf(request).user.id,
        ip: request.ip,
      });
      return { incident: presentIncident(incident), item: item ? presentItem(item) : null };
    },
  );
};
