import type { AppContext } from '../api-context.js';
import type { IncidentResolution, IncidentRow, ReporterKind } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { itemNotFound, VettedError } from '../domain/errors.js';
import { verdictError } from '../domain/domain-rules.js';
import type { IncidentView } from '../db/incidents.js';
import type { ItemRow } from '../db/schema.js';
import { checkDomainPolicy } from './domain-policy.js';
import { assertTransition, type ItemStatus } from '../domain/item-state.js';
import { boardMayShow } from '../domain/visibility.js';
import { staffEntry } from './actor.js';

export interface Reporter {
  kind: ReporterKind;
  /** The staff member's user id, or the board's class id; null for the system. */
  id: string | null;
  ip: string | null;
}

export const incidentNotFound = () =>
  new VettedError('incident_not_found', 'That incident does not exist.', { httpStatus: 404 });


/**
 * Reports an item as unsuitable: it becomes `quarantined` (and so leaves every board at once) and an
 * incident is opened with a snapshot of the item, so the log keeps its history after the item is purged.
 * A report on an item already in quarantine is recorded as another incident. The status change, the
 * incident and the audit entry commit together.
 *
 * `boardClassId` makes this a board's report: then the item must be one that board can see, and any other
 * item answers 404 (a board learns nothing about other classes' items).
 */
export async function reportItem(
  ctx: AppContext,
  input: { itemId: string; note: string; reporter: Reporter; boardClassId?: string; auditAction?: string; detail?: Record<string, unknown> },
): Promise<IncidentRow> {
  return inTransaction(ctx.db, async ({ items, incidents, audit }) => {
    const item = await items.lockWithPlace(input.itemId);
    if (!item) throw itemNotFound();
    if (input.boardClassId !== undefined) {
      if (item.class_id !== input.boardClassId || !boardMayShow({ status: item.status, expiresAt: item.expires_at })) throw itemNotFound();
    }
    if (item.status !== 'quarantined') {
      assertTransition(item.status, 'quarantined');
      await items.transition(item.id, 'quarantined');
    }
    const incident = await incidents.open({ item, note: input.note, reporter: input.reporter });
    await audit.record({
      actorId: input.reporter.id,
      actorKind: input.reporter.kind,
      action: input.auditAction ?? 'item.report',
      target: `item:${item.id}`,
      ip: input.reporter.ip,
      detail: { incident: incident.id, note: input.note, statusBefore: item.status, ...input.detail },
    });
    return incident;
  });
}

/**
 * The e-safety lead's decision on an incident: `reinstate` puts the item back on its boards (`approved`);
 * `remove` deletes its media and leaves the row (`removed`) for the incident log until the purge. Every
 * open incident of the same item is closed with it. The media files go before the row changes, under the
 * row's lock: a crash in between leaves a quarantined item whose files are gone (resolve again to finish),
 * never a removed item with files left behind.
 */
export async function resolveIncident(
  ctx: AppContext,
  input: { incidentId: string; action: IncidentResolution; note: string; by: string; ip: string | null },
): Promise<{ incident: IncidentRow; itemStatus: ItemStatus | null }> {
  return inTransaction(ctx.db, async ({ items, incidents, audit }) => {
    const incident = await incidents.lock(input.incidentId);
    if (!incident) throw incidentNotFound();
    if (incident.status === 'resolved') {
      throw new VettedError('incident_resolved', 'This incident has already been resolved. Reload to see the decision.', { httpStatus: 409 });
    }
    const item = await items.lockStatus(incident.item_id);
    let itemStatus: ItemStatus | null = item?.status ?? null;
    if (item) {
      const to: ItemStatus = input.action === 'reinstate' ? 'approved' : 'removed';
      if (item.status !== to) {
        assertTransition(item.status, to);
        if (to === 'removed') {
          await ctx.store.removeItem(item.id);
          await items.transition(item.id, 'removed', { media: null, media_bytes: '0' });
        } else {
          await items.reinstate(item.id, input.by);
        }
        itemStatus = to;
      }
    }
    const closed = await incidents.resolveAllOf(incident.item_id, { resolution: input.action, note: input.note, by: input.by });
    const by = { id: input.by, ip: input.ip };
    await audit.record(
      staffEntry(by, 'incident.resolve', `incident:${incident.id}`, {
        action: input.action,
        note: input.note,
        item: incident.item_id,
        alsoClosed: closed.filter((c) => c.id !== incident.id).map((c) => c.id),
      }),
    );
    if (item) {
      await audit.record(staffEntry(by, input.action === 'reinstate' ? 'item.reinstate' : 'item.remove', `item:${item.id}`, { incident: incident.id }));
    }
    const self = closed.find((c) => c.id === incident.id) ?? incident;
    return { incident: self, itemStatus };
  });
}

/** A teacher reports an item of their class; the incident as the log shows it. */
export async function reportByStaff(ctx: AppContext, input: { itemId: string; note: string; by: string; ip: string | null }): Promise<IncidentView> {
  const row = await reportItem(ctx, { itemId: input.itemId, note: input.note, reporter: { kind: 'staff', id: input.by, ip: input.ip } });
  return (await ctx.repos.incidents.get(row.id))!;
}

/** A classroom board reports one of the items it shows (any other item answers 404: a board learns nothing of other classes). */
export async function reportFromBoard(ctx: AppContext, input: { classId: string; itemId: string; note: string; ip: string | null }): Promise<IncidentRow> {
  return reportItem(ctx, {
    itemId: input.itemId,
    note: input.note || 'Reported from the classroom board.',
    reporter: { kind: 'board', id: input.classId, ip: input.ip },
    boardClassId: input.classId,
  });
}

/** The incident log (open ones first, then the history); an export for governors is audited. */
export async function incidentLog(ctx: AppContext, filter: { status?: 'open' | 'resolved'; exportedBy?: { id: string; ip: string | null } }): Promise<IncidentView[]> {
  const rows = await ctx.repos.incidents.list({ status: filter.status });
  if (filter.exportedBy) {
    await ctx.repos.audit.record(staffEntry(filter.exportedBy, 'incidents.export', null, { count: rows.length }));
  }
  return rows;
}

export async function incidentById(ctx: AppContext, id: string): Promise<IncidentView> {
  const row = await ctx.repos.incidents.get(id);
  if (!row) throw incidentNotFound();
  return row;
}

/**
 * An item under a block rule stays off the boards: to reinstate it, the admin first changes the policy
 * (for example an allow rule for that one site), so the decision is visible in the policy, not hidden here.
 */
async function assertReinstatable(ctx: AppContext, incidentId: string): Promise<void> {
  const incident = await incidentById(ctx, incidentId);
  const { host, verdict } = await checkDomainPolicy(ctx, incident.item_url, {
    playlistKind: incident.playlist_id ? (await ctx.repos.playlists.get(incident.playlist_id))?.kind : undefined,
  });
  if (!verdict.ok) throw verdictError(verdict, host ?? incident.item_url);
}

/** The e-safety lead's decision on an incident (see resolveIncident): the incident as the log shows it now, and its item. */
export async function decideIncident(
  ctx: AppContext,
  input: { incidentId: string; action: IncidentResolution; note: string; by: string; ip: string | null },
): Promise<{ incident: IncidentView; item: ItemRow | undefined }> {
  if (input.action === 'reinstate') await assertReinstatable(ctx, input.incidentId);
  const { incident } = await resolveIncident(ctx, input);
  const item = await ctx.repos.items.get(incident.item_id);
  return { incident: (await ctx.repos.incidents.get(incident.id))!, item };
}
