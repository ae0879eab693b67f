import { sql, type Expression, type ExpressionBuilder, type SqlBool, type UpdateObject } from 'kysely';
import type { ItemKind, ItemStatus } from '../domain/item-state.js';
import { allowedFrom, clampProgress, ITEM_STATUSES } from '../domain/item-state.js';
import type { Db } from './database.js';
import type { Database, ItemMediaFiles, ItemRow, ItemUpdate } from './schema.js';

/**
 * One repository for the item aggregate. Every status change of the service is one statement, `move` below: a
 * guarded update `… SET status = <to> WHERE <which items> AND status IN (<expected>)`, so a stale or illegal move
 * changes nothing. The named moves (transition, expireDue, reinstate, removeAll) are its only callers.
 */
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

/** Items the purge deletes once they have been in one of these statuses for the retention period. */
export const PURGEABLE: readonly ItemStatus[] = ['expired', 'rejected', 'failed', 'removed'];

type Which = (eb: ExpressionBuilder<Database, 'items'>) => Expression<SqlBool>;

export function itemsRepository(db: Db) {
  /** The one guarded status change (see above). */
  const move = (which: Which, to: ItemStatus, set: UpdateObject<Database, 'items'>, from: readonly ItemStatus[]) =>
    db
      .updateTable('items')
      .set({ ...set, status: to, updated_at: sql`now()` as never })
      .where(which)
      .where('status', 'in', from);

  /** Approved items past their expiry count as expired from their expiry on, whether or not the sweep has flipped them. */
  const purgeable = (cutoff: Date) => (eb: ExpressionBuilder<Database, 'items'>) =>
    eb.or([
      eb.and([eb('status', 'in', PURGEABLE), eb('updated_at', '<=', cutoff)]),
      eb.and([eb('status', '=', 'approved'), eb('expires_at', '<=', cutoff)]),
    ]);

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
      return move((eb) => eb('id', '=', id), to, toRow(patch), from).returningAll().executeTakeFirst();
    },

    /**
     * The expiry sweep: approved items whose date has passed become `expired`. Boards stop showing them at the
     * instant anyway (boardMayShow); this makes the status say so and starts their retention for the purge.
     */
    async expireDue(): Promise<Array<{ id: string; title: string | null; expires_at: Date | null }>> {
      return move((eb) => eb('expires_at', '<=', sql<Date>`now()`), 'expired', {}, ['approved'])
        .returning(['id', 'title', 'expires_at'])
        .execute();
    },

    /**
     * The e-safety lead puts a quarantined item back on its boards; one reported while still awaiting review
     * is approved by that decision (its reviewer and time are set unless it had them).
     */
    async reinstate(id: string, by: string): Promise<ItemRow | undefined> {
      return move(
        (eb) => eb('id', '=', id),
        'approved',
        { reviewed_by: sql`coalesce(reviewed_by, ${by}::uuid)`, reviewed_at: sql`coalesce(reviewed_at, now())` },
        allowedFrom('approved'),
      )
        .returningAll()
        .executeTakeFirst();
    },

    /** Every item in `ids` leaves the boards for good (their class was deleted), whatever its status. */
    async removeAll(ids: readonly string[]): Promise<void> {
      if (ids.length === 0) return;
      await move((eb) => eb('id', 'in', ids), 'removed', { progress: 100 }, ITEM_STATUSES.filter((s) => s !== 'removed')).execute();
    },

    /**
     * Locks the item's row for the rest of the caller's transaction and tells where it is shown (reports and
     * their incidents keep this snapshot).
     */
    async lockWithPlace(id: string) {
      return db
        .selectFrom('items')
        .innerJoin('playlists', 'playlists.id', 'items.playlist_id')
        .innerJoin('classes', 'classes.id', 'playlists.class_id')
        .select([
          'items.id',
          'items.status',
          'items.title',
          'items.url',
          'items.kind',
          'items.expires_at',
          'playlists.id as playlist_id',
          'playlists.name as playlist_name',
          'classes.id as class_id',
          'classes.name as class_name',
        ])
        .where('items.id', '=', id)
        .forUpdate('items')
        .executeTakeFirst();
    },

    /** Locks the item's row for the rest of the caller's transaction; its status at that moment. */
    async lockStatus(id: string): Promise<{ id: string; status: ItemStatus } | undefined> {
      return db.selectFrom('items').select(['id', 'status']).where('id', '=', id).forUpdate().executeTakeFirst();
    },

    /** Items not yet finished (queued … approved) with their playlist's kind, for re-judging after a policy change. */
    async live(): Promise<Array<{ id: string; url: string; canonical_url: string; title: string | null; status: ItemStatus; playlist_kind: string }>> {
      return db
        .selectFrom('items')
        .innerJoin('playlists', 'playlists.id', 'items.playlist_id')
        .select(['items.id', 'items.url', 'items.canonical_url', 'items.title', 'items.status', 'playlists.kind as playlist_kind'])
        .where('items.status', 'in', ['queued', 'fetching', 'processing', 'awaiting_review', 'approved'])
        .execute();
    },

    /** The purge's cutoff: now (the database's clock) less the retention period. */
    async purgeCutoff(retentionDays: number): Promise<Date> {
      const r = await sql<{ cutoff: Date }>`SELECT now() - make_interval(days => ${retentionDays}) AS cutoff`.execute(db);
      return r.rows[0]!.cutoff;
    },

    /** Items whose retention ended at `cutoff` (expired, rejected, failed or removed then, or approved and past their date), oldest first. */
    async purgeable(cutoff: Date): Promise<Array<{ id: string; title: string | null; status: ItemStatus; media_generation: number }>> {
      return db
        .selectFrom('items')
        .select(['id', 'title', 'status', 'media_generation'])
        .where(purgeable(cutoff))
        .orderBy('updated_at')
        .orderBy('id')
        .execute();
    },

    /**
     * Deletes one purgeable item's row in its own transaction, after `beforeDelete` (which removes its files)
     * has run under the row's lock. The row is locked `FOR UPDATE SKIP LOCKED` and checked again: an item another
     * purge holds, or that no longer qualifies, is left alone (undefined).
     */
    async purgeOne<T>(
      id: string,
      cutoff: Date,
      beforeDelete: (row: { id: string; title: string | null; status: ItemStatus; media_generation: number }) => Promise<T>,
    ): Promise<T | undefined> {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('items')
          .select(['id', 'title', 'status', 'media_generation'])
          .where('id', '=', id)
          .where(purgeable(cutoff))
          .forUpdate()
          .skipLocked()
          .executeTakeFirst();
        if (!row) return undefined;
        const done = await beforeDelete(row);
        await trx.deleteFrom('items').where('id', '=', row.id).execute();
        return done;
      });
    },

    /** Status and published files of these items (the storage check compares them with the store). */
    async mediaOf(ids: readonly string[]): Promise<Array<{ id: string; status: ItemStatus; media: ItemMediaFiles | null }>> {
      if (ids.length === 0) return [];
      return db.selectFrom('items').select(['id', 'status', 'media']).where('id', 'in', ids).execute();
    },

    /** Every item that has published files, with the generation they belong to. */
    async withMedia(): Promise<Array<{ id: string; title: string | null; status: ItemStatus; media: ItemMediaFiles | null; media_generation: number }>> {
      return db.selectFrom('items').select(['id', 'title', 'status', 'media', 'media_generation']).where('media', 'is not', null).execute();
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
