import { VettedError } from './errors.js';

/**
 * The item state machine, in one place. Every status change in the service goes through
 * `assertTransition` (HTTP) or a guarded database update whose expected "from" statuses come from
 * `allowedFrom` (workers), so an illegal or stale move is refused the same way everywhere.
 */
export const ITEM_STATUSES = [
  'queued',
  'fetching',
  'processing',
  'awaiting_review',
  'approved',
  'rejected',
  'failed',
  'expired',
  'quarantined',
  'removed',
] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

export const ITEM_KINDS = ['video', 'webpage'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

/** Statuses in which a worker still owes the item some work. */
export const WORKING_STATUSES: readonly ItemStatus[] = ['queued', 'fetching', 'processing'];

/** Statuses after which nothing more happens until a person acts. */
export const SETTLED_STATUSES: readonly ItemStatus[] = ITEM_STATUSES.filter((s) => !WORKING_STATUSES.includes(s));

const TRANSITIONS: Record<ItemStatus, readonly ItemStatus[]> = {
  queued: ['fetching', 'processing', 'failed'],
  // fetching → queued: a transient fault hands the item back for a retry.
  fetching: ['processing', 'queued', 'failed', 'awaiting_review'],
  processing: ['awaiting_review', 'failed'],
  // awaiting_review → queued: the teacher changed the clip and asked for it to be made again.
  awaiting_review: ['approved', 'rejected', 'queued', 'quarantined'],
  approved: ['rejected', 'expired', 'quarantined', 'queued'],
  rejected: [],
  // failed → queued: the teacher asked to try again.
  failed: ['queued'],
  expired: [],
  quarantined: ['approved', 'removed'],
  removed: [],
};

export function canTransition(from: ItemStatus, to: ItemStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses an item may be in for a move to `to` to be legal. */
export function allowedFrom(to: ItemStatus): ItemStatus[] {
  return ITEM_STATUSES.filter((from) => TRANSITIONS[from].includes(to));
}

const ACTION_WORDS: Partial<Record<ItemStatus, string>> = {
  approved: 'approved',
  rejected: 'rejected',
  queued: 'processed again',
  quarantined: 'reported',
  removed: 'removed',
  expired: 'expired',
};

export function assertTransition(from: ItemStatus, to: ItemStatus): void {
  if (!canTransition(from, to)) {
    const what = ACTION_WORDS[to] ?? `moved to ${to}`;
    throw new VettedError(
      'illegal_transition',
      `This item is ${from.replace('_', ' ')} and cannot be ${what} now.`,
      { httpStatus: 409 },
    );
  }
}

export function isWorking(status: ItemStatus): boolean {
  return WORKING_STATUSES.includes(status);
}

/** Progress is stored as a whole percentage; clamp whatever a stage reports. */
export function clampProgress(p: number): number {
  if (!Number.isFinite(p)) return 0;
  return Math.max(0, Math.min(100, Math.round(p)));
}
