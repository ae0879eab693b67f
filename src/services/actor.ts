import type { AuditEntry } from '../db/audit.js';

/** Who acts, for the checks and the audit log. */
export interface Actor {
  id: string;
  role: 'teacher' | 'admin';
  ip: string | null;
}

/** The audit entry of something a member of staff did (their id and address), on `target`, with what to remember. */
export function staffEntry(by: { id: string; ip: string | null }, action: string, target: string | null, detail?: Record<string, unknown>): AuditEntry {
  return { actorId: by.id, actorKind: 'staff', action, target, ip: by.ip, ...(detail ? { detail } : {}) };
}
