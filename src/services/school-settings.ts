import type { AppContext } from '../api-context.js';
import type { AuditFilter } from '../db/audit-query.js';
import type { DefaultExpiry } from '../db/settings.js';
import { recheckLiveItems } from './domain-policy.js';
import { purge, purgeProgress } from './purge.js';
import { staffEntry } from './actor.js';

/** The school's settings as the admin console shows them, with the purge's retention and schedule (set at install). */
export async function schoolSettings(ctx: AppContext) {
  return { ...(await ctx.repos.settings.get()), purgeAfterDays: ctx.config.purgeAfterDays, purgeSchedule: ctx.config.purgeCron };
}

/**
 * The admin changes some settings (each one given is set; the others stay). The change is audited with the
 * settings before and after; turning allow-list-only on for site lists re-checks every live item at once.
 */
export async function changeSchoolSettings(
  ctx: AppContext,
  change: { defaultExpiry?: DefaultExpiry | null; sitesAllowListOnly?: boolean; approvalNeedsWatching?: boolean },
  by: { id: string; ip: string | null },
) {
  const { settings, audit } = ctx.repos;
  const before = await settings.get();
  if (change.defaultExpiry !== undefined) await settings.setDefaultExpiry(change.defaultExpiry, by.id);
  if (change.sitesAllowListOnly !== undefined) await settings.setSitesAllowListOnly(change.sitesAllowListOnly, by.id);
  if (change.approvalNeedsWatching !== undefined) await settings.setApprovalNeedsWatching(change.approvalNeedsWatching, by.id);
  const after = await settings.get();
  await audit.record(staffEntry(by, 'settings.update', 'settings', { before: { ...before }, after: { ...after } }));
  const recheck =
    after.sitesAllowListOnly && !before.sitesAllowListOnly
      ? await recheckLiveItems(ctx, { by: by.id, ip: by.ip, change: 'site lists: allow-listed domains only' })
      : null;
  return { ...after, purgeAfterDays: ctx.config.purgeAfterDays, purgeSchedule: ctx.config.purgeCron, recheck };
}

/** The audit log, filtered; an export (for governors) is itself audited, with its filter. */
export async function auditLog(ctx: AppContext, filter: AuditFilter, exportedBy?: { id: string; ip: string | null; filter: Record<string, unknown> }) {
  const entries = await ctx.repos.auditQuery.list(filter);
  if (exportedBy) {
    await ctx.repos.audit.record(staffEntry(exportedBy, 'audit.export', null, { filter: exportedBy.filter, count: entries.length }));
  }
  return entries;
}

/** The admin's purge (or its dry run); a real one reports its progress for the console's bar. */
export async function purgeNow(ctx: AppContext, dryRun: boolean, by: { id: string; ip: string | null }) {
  const progress = purgeProgress(ctx);
  return purge(ctx, {
    dryRun,
    actor: { kind: 'staff', id: by.id, ip: by.ip },
    ...(dryRun ? {} : { onProgress: (done: number, total: number) => progress.set(done, total) }),
  });
}
