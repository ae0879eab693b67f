import type { ItemStatus } from './item-state.js';

/**
 * The one rule for what a classroom board may see: an item that a teacher approved and that has
 * not passed its expiry. Everything that shows items or serves media to a board asks this.
 */
export interface VisibleCandidate {
  status: ItemStatus;
  expiresAt: Date | null;
}

export function boardMayShow(item: VisibleCandidate, now: Date = new Date()): boolean {
  if (item.status !== 'approved') return false;
  return item.expiresAt === null || item.expiresAt.getTime() > now.getTime();
}

/** Staff see every item of every class (small schools share classes); boards see only their own. */
export function boardMayShowInClass(
  item: VisibleCandidate & { classId: string },
  boardClassId: string,
  now: Date = new Date(),
): boolean {
  return item.classId === boardClassId && boardMayShow(item, now);
}
