import { sql } from 'kysely';
import type { ItemKind, ItemStatus } from '../domain/item-state.js';
import { allowedFrom, clampProgress } from '../domain/item-state.js';
import type { Db } from './database.js';
import type { ItemMediaFiles, ItemRow, ItemUpdate } from './schema.js';

/** One repository for the item aggregate. Status changes are guarded updates: `… WHERE status IN (<expected>)`. */
export interface NewItemInput {
  /** Chosen by the caller when files must be stored under the id before the row exists (uploads). */
  id?: string;
  playlistId: string;
  url: string;
  canonicalUrl: string;
  kind: ItemKind;
  title: string | null;
  startSeconds: number | null;
  endSeconds: number | null;
  submittedBy: string | null;
  details?: Record<string, unknown> | null;
}

export type StatusPatch = Omit<ItemUpdate, 'status' | 'media' | 'details' | 'id'> & {
  media?: ItemMediaFiles | null;
  details?: Record<string, unknown> | null;
};

function toRow(patch: StatusPatch): ItemUpdate {
  const { media, details, ...rest } = patch;
  const row: ItemUpdate = { ...rest };
  if (media !== undefined) row.media = media === null ? null : JSON.stringify(media);
  if (details !== undefined) row.details = details === null ? null : JSON.stringify(details);
  return row;
}

/** What was decided at the earlier item's own submit (its filtering rule) is not the new one's. */
function withoutSubmitFacts(details: Record<string, unknown> | null): Record<string, unknown> {
  const { domainRule: _rule, ...rest } = details ?? {};
  return rest;
}

export function itemsRepository(db: Db) {
  /** New items go to the end of their playlist. */
  const nextPosition = (playlistId: string) =>
    db.selectFrom('items').select(sql<number>`coalesce(max(position), 0) + 1`.as('p')).where('playlist_id', '=', playlistId);

  return {
    async create(input: NewItemInput): Promise<ItemRow> {
      const position = nextPosition(input.playlistId);
      return db
        .insertInto('items')
        .values({
          ...(input.id ? { id: input.id } : {}),
          playlist_id: input.playlistId,
          url: input.url,
          canonical_url: input.canonicalUrl,
          kind: input.kind,
          title: input.title,
          title_locked: input.title !== null,
          start_seconds: input.startSeconds,
          end_seconds: input.endSeconds,
          submitted_by: input.submittedBy,
          details: input.details ? JSON.stringify(input.details) : null,
          position: position as never,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    /**
     * An item of the same source and clip that has already been processed and was not reported,
     * whose media a new submission can share instead of downloading and transcoding again.
     */
    async findReusable(canonicalUrl: string, start: number | null, end: number | null): Promise<ItemRow | undefined> {
      return db
        .selectFrom('items')
        .selectAll()
        .where('canonical_url', '=', canonicalUrl)
        .where('status', 'in', ['awaiting_review', 'approved', 'expired'])
        .where('media', 'is not', null)
        .where(sql<boolean>`coalesce(start_seconds, 0) = ${start ?? 0}`)
        .where(end === null ? sql<boolean>`end_seconds IS NULL` : sql<boolean>`end_seconds = ${end}`)
        .orderBy('updated_at', 'desc')
        .limit(1)
        .executeTakeFirst();
    },

    /** A new item whose media was shared from an earlier one: ready for its own teacher's review at once. */
    async createReady(input: NewItemInput, from: ItemRow): Promise<ItemRow> {
      const position = nextPosition(input.playlistId);
      return db
        .insertInto('items')
        .values({
          playlist_id: input.playlistId,
          url: input.url,
          canonical_url: input.canonicalUrl,
          kind: from.kind,
          status: 'awaiting_review',
          progress: 100,
          title: input.title ?? from.title,
          title_locked: input.title !== null,
          start_seconds: input.startSeconds,
          end_seconds: input.endSeconds,
          submitted_by: input.submittedBy,
          duration_seconds: from.duration_seconds,
          media: from.media === null ? null : JSON.stringify(from.media),
          media_bytes: from.media_bytes,
          details: JSON.stringify({ ...withoutSubmitFacts(from.details), ...(input.details ?? {}), reusedFrom: from.id }),
          position: position as never,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    async get(id: string): Promise<ItemRow | undefined> {
      return db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async listByPlaylist(playlistId: string): Promise<ItemRow[]> {
      return db
        .selectFrom('items')
        .selectAll()
        .where('playlist_id', '=', playlistId)
        .orderBy('position')
        .orderBy('created_at')
        .execute();
    },

    async listByStatus(statuses: readonly ItemStatus[]): Promise<ItemRow[]> {
      if (statuses.length === 0) return [];
      return db.selectFrom('items').selectAll().where('status', 'in', statuses).orderBy('created_at').execute();
    },

    /**
     * Moves the item to `to` only if it is still in one of `from` (by default every status the
     * state machine allows a move from). Returns the updated row, or undefined when someone else
     * moved it first — the caller treats that as "nothing to do".
     */
    async transition(
      id: string,
      to: ItemStatus,
      patch: StatusPatch = {},
      from: readonly ItemStatus[] = allowedFrom(to),
    ): Promise<ItemRow | undefined> {
      if (from.length === 0) return undefined;
      return db
        .updateTable('items')
        .set({ ...toRow(patch), status: to, updated_at: sql`now()` as never })
        .where('id', '=', id)
        .where('status', 'in', from)
        .returningAll()
        .executeTakeFirst();
    },

    /** Stores progress only while the item is still in the stage that reports it. */
    async setProgress(id: string, status: ItemStatus, progress: number): Promise<boolean> {
      const r = await db
        .updateTable('items')
        .set({ progress: clampProgress(progress), updated_at: sql`now()` as never })
        .where('id', '=', id)
        .where('status', '=', status)
        .where('progress', '<>', clampProgress(progress))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /** Edits that are not status changes (title, expiry). */
    async update(id: string, patch: StatusPatch): Promise<ItemRow | undefined> {
      return db
        .updateTable('items')
        .set({ ...toRow(patch), updated_at: sql`now()` as never })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
    },

    async countAttempt(id: string, status: ItemStatus): Promise<number | undefined> {
      const row = await db
        .updateTable('items')
        .set({ attempts: sql`attempts + 1` })
        .where('id', '=', id)
        .where('status', '=', status)
        .returning('attempts')
        .executeTakeFirst();
      return row?.attempts;
    },

    /** Sets positions 1…n in the given order, touching only rows whose position changes. */
    async reorder(playlistId: string, order: string[], before: Map<string, number>): Promise<void> {
      await db.transaction().execute(async (trx) => {
        for (const [index, id] of order.entries()) {
          if (before.get(id) === index + 1) continue;
          await trx.updateTable('items').set({ position: index + 1 }).where('id', '=', id).where('playlist_id', '=', playlistId).execute();
        }
      });
    },

    /** Deletes the row unless it is in one of `keep`; false when it was kept (or already gone). */
    async deleteUnless(id: string, keep: readonly ItemStatus[]): Promise<boolean> {
      const gone = await db.deleteFrom('items').where('id', '=', id).where('status', 'not in', keep).executeTakeFirst();
      return Number(gone.numDeletedRows) > 0;
    },

    /** The class an item belongs to, for access checks on media and board reports. */
    async classOf(id: string): Promise<string | undefined> {
      const row = await db
        .selectFrom('items')
        .innerJoin('playlists', 'playlists.id', 'items.playlist_id')
        .select('playlists.class_id')
        .where('items.id', '=', id)
        .executeTakeFirst();
      return row?.class_id;
    },
  };
}

export type ItemsRepository = ReturnType<typeof itemsRepository>;
