import type { AppContext } from '../api-context.js';
import type { StatusPatch } from '../db/items.js';
import type { ItemMediaFiles, ItemRow } from '../db/schema.js';
import { parseStrictDate } from '../domain/dates.js';
import { itemNotFound, VettedError } from '../domain/errors.js';
import { staffEntry, type Actor } from './actor.js';
import { assertLiveSiteAllowed } from './live-site.js';
import { publishedFiles } from './media-files.js';

/** One item, or 404 `item_not_found`. */
export async function itemById(ctx: AppContext, id: string): Promise<ItemRow> {
  const item = await ctx.repos.items.get(id);
  if (!item) throw itemNotFound();
  return item;
}

/** One item, or undefined (an item stream polling an item that may since have been deleted). */
export async function findItem(ctx: AppContext, id: string): Promise<ItemRow | undefined> {
  return ctx.repos.items.get(id);
}

/** Whether staff may fetch this file of this copy of an item (the route has checked they are a member of its class). */
export async function mayServeToStaff(ctx: AppContext, id: string, generation: number, file: string): Promise<boolean> {
  const item = await ctx.repos.items.get(id);
  return !!item && item.media_generation === generation && publishedFiles(item.media as ItemMediaFiles | null).includes(file);
}

export interface ItemEdit {
  title?: string;
  /** A date (to the end of that day) or an ISO time; null: never expires. */
  expiresAt?: string | null;
  /** A site opens live on the board instead of its vetted copy (allow-listed domains only). */
  openLive?: boolean;
}

/** A teacher edits an item: its title (kept from then on, the fetch no longer renames it), expiry and live opening. */
export async function editItem(ctx: AppContext, actor: Actor, id: string, edit: ItemEdit): Promise<ItemRow> {
  const { items, audit } = ctx.repos;
  const current = await itemById(ctx, id);
  const patch: StatusPatch = {};
  if (edit.title !== undefined) Object.assign(patch, { title: edit.title.trim(), title_locked: true });
  if (edit.expiresAt !== undefined) {
    const when = edit.expiresAt === null ? null : parseStrictDate(edit.expiresAt, { endOfDay: true });
    if (when === undefined) {
      throw new VettedError('invalid_request', 'The field "expiresAt" must be a date (2025-07-31) or an ISO time (2025-07-31T15:00:00Z) between the years 1970 and 9999.', { httpStatus: 400 });
    }
    patch.expires_at = when;
  }
  if (edit.openLive === true) await assertLiveSiteAllowed(ctx, current);
  if (edit.openLive !== undefined) patch.open_live = edit.openLive;
  const item = (await items.update(current.id, patch)) ?? current;
  await audit.record(staffEntry(actor, 'item.edit', `item:${item.id}`, { ...edit }));
  return item;
}
