import type { AppContext } from '../api-context.js';
import { staffLabel } from '../domain/people.js';
import { staffEntry } from './actor.js';

/** One version of the e-safety reminder as the admin console shows it. */
export interface ReminderVersion {
  version: number;
  text: string;
  createdAt: string;
  createdBy: string;
}

/** The current reminder and the versions before it, newest first. */
export async function reminderHistory(ctx: AppContext): Promise<{ current: ReminderVersion; history: ReminderVersion[] }> {
  const versions = await ctx.repos.reminders.versions();
  const present = (v: (typeof versions)[number]): ReminderVersion => ({
    version: v.version,
    text: v.text,
    createdAt: v.created_at.toISOString(),
    createdBy: v.created_by ? staffLabel(v.email === null ? undefined : { id: v.created_by, email: v.email, erased_at: v.erased_at }, v.created_by) : 'system',
  });
  return { current: present(versions[0]!), history: versions.slice(1).map(present) };
}

/** The admin writes a new version: every session, the admin's own included, now asks for it to be acknowledged. */
export async function writeReminder(ctx: AppContext, text: string, by: { id: string; ip: string | null }) {
  const row = await ctx.repos.reminders.write(text.trim(), by.id);
  await ctx.repos.audit.record(staffEntry(by, 'reminder.update', `reminder:${row.version}`, { version: row.version }));
  return { version: row.version, text: row.text, createdAt: row.created_at.toISOString() };
}

/** Who acknowledged which version (all, or one), and which active staff have not yet acknowledged the current one. */
export async function reminderAcknowledgements(ctx: AppContext, version: number | undefined) {
  const { reminders, users } = ctx.repos;
  const current = await users.currentReminder();
  const acknowledgements = (await reminders.acknowledgements(version)).map((a) => ({
    user: { id: a.id, email: staffLabel(a), role: a.role },
    version: a.version,
    acknowledgedAt: a.acknowledged_at.toISOString(),
  }));
  const outstanding = await reminders.notAcknowledgedBy(current.version);
  return {
    currentVersion: current.version,
    acknowledgements,
    notYetAcknowledgedCurrent: outstanding.map((u) => ({ id: u.id, email: u.email, role: u.role })),
  };
}
