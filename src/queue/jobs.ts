import type { ItemStatus } from '../domain/item-state.js';

/**
 * The job table: every stage, its queue, its retry policy and how many run at once, in one place.
 * Payloads carry the item id only; the handler reloads the row.
 */
export interface ItemJobData {
  itemId: string;
}

export const STAGES = {
  fetch: {
    queue: 'fetch',
    attempts: 4,
    backoffMs: 2_000,
    /** The statuses whose work this stage owes. */
    owes: ['queued', 'fetching'] as ItemStatus[],
  },
  media: {
    queue: 'media',
    attempts: 2,
    backoffMs: 5_000,
    owes: ['processing'] as ItemStatus[],
  },
  // Governance housekeeping (src/governance/jobs.ts): repeatable jobs on a schedule, not per item; their
  // payload's itemId is NO_ITEM. `expire` flips approved items past expiry; `purge` runs the daily purge.
  expire: {
    queue: 'expire',
    attempts: 3,
    backoffMs: 30_000,
    owes: [] as ItemStatus[],
  },
  purge: {
    queue: 'purge',
    attempts: 3,
    backoffMs: 60_000,
    owes: [] as ItemStatus[],
  },
  // yt-dlp kept current (src/worker/youtube-update.ts): daily on a schedule, or now when an admin asks.
  ytdlpUpdate: {
    queue: 'ytdlp-update',
    attempts: 1,
    backoffMs: 60_000,
    owes: [] as ItemStatus[],
  },
} as const;

/** The itemId of a job that concerns no single item (a nil UUID, so item lookups simply find nothing). */
export const NO_ITEM = '00000000-0000-0000-0000-000000000000';

export type Stage = keyof typeof STAGES;
export const STAGE_NAMES = Object.keys(STAGES) as Stage[];

/** The stage that owes work to an item in this status, if any. */
export function stageFor(status: ItemStatus): Stage | undefined {
  return STAGE_NAMES.find((s) => STAGES[s].owes.includes(status));
}

/**
 * One job per item, stage and generation: a duplicate enqueue is ignored by BullMQ while the first
 * job exists. The generation changes when a teacher asks for the item to be made again.
 * (BullMQ refuses ':' in custom ids.)
 */
export function jobIdFor(stage: Stage, itemId: string, generation: number): string {
  return `${stage}.${itemId}.${generation}`;
}
