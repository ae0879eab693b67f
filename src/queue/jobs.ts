import type { ItemStatus } from '../domain/item-state.js';

/**
 * The job table: every stage, its queue, its retry policy and how many run at once, in one place.
 * Each job name has its own payload (`JobPayloads`). An item's stages carry the item id only; the handler reloads
 * the row. Housekeeping jobs concern no single item and carry what they need, which may be nothing.
 */
export interface ItemJobData {
  itemId: string;
}

export interface JobPayloads {
  fetch: ItemJobData;
  media: ItemJobData;
  /** Expires approved items past their date: everything it needs is in the database. */
  expire: Record<string, never>;
  /** The scheduled purge. */
  purge: Record<string, never>;
  /** `schedule`: the daily run, which obeys the admin's setting; `admin`: "update now" from the console. */
  ytdlpUpdate: { trigger: 'schedule' | 'admin' };
}

/** The payload of any job (what a queue holds). */
export type JobData = JobPayloads[keyof JobPayloads];

/** The stages that work on one item (and can mark it failed). */
export const ITEM_STAGES = ['fetch', 'media'] as const;
export type ItemStage = (typeof ITEM_STAGES)[number];
export const isItemStage = (stage: Stage): stage is ItemStage => (ITEM_STAGES as readonly string[]).includes(stage);

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
  // Governance housekeeping (scheduled in src/worker/schedules.ts, run by src/worker/handlers/): repeatable jobs, not
  // per item (an empty payload). `expire` flips approved items past expiry; `purge` runs the daily purge.
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
  // yt-dlp kept current (src/worker/handlers/ytdlp-update.ts): daily on a schedule, or now when an admin asks.
  ytdlpUpdate: {
    queue: 'ytdlp-update',
    attempts: 1,
    backoffMs: 60_000,
    owes: [] as ItemStatus[],
  },
} as const;

export type Stage = keyof typeof STAGES;
export const STAGE_NAMES = Object.keys(STAGES) as Stage[];

/** The stage that owes work to an item in this status, if any. */
export function stageFor(status: ItemStatus): ItemStage | undefined {
  return ITEM_STAGES.find((s) => STAGES[s].owes.includes(status));
}

/**
 * One job per item, stage and generation: a duplicate enqueue is ignored by BullMQ while the first
 * job exists. The generation changes when a teacher asks for the item to be made again.
 * (BullMQ refuses ':' in custom ids.)
 */
export function jobIdFor(stage: ItemStage, itemId: string, generation: number): string {
  return `${stage}.${itemId}.${generation}`;
}
