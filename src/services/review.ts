import { createReadStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppContext } from '../api-context.js';
import type { ItemRow } from '../db/schema.js';
import { itemChangedMeanwhile, VettedError } from '../domain/errors.js';
import { assertTransition, type ItemStatus } from '../domain/item-state.js';
import { assertClip } from '../domain/submission.js';
import { requiredAcknowledgements, type VettingChecks } from '../domain/vetting.js';
import type { ItemsRepository } from '../db/items.js';
import { staffEntry, type Actor } from './actor.js';
import { queueFetch, type ServiceLog } from './fetch-queue.js';
import { itemById } from './items.js';
import { viewingService } from './viewing.js';

/** A colleague approved it first: information for the second teacher, not a failure. */
const alreadyApproved = () =>
  new VettedError('already_approved', 'A colleague has already approved this: it is on the board.', { httpStatus: 409 });

const originalGone = () =>
  new VettedError('upload_missing', 'The uploaded file is no longer on the server (it may have been purged). Upload it again.', { httpStatus: 409 });

/** A reviewer's status change: legal per the state machine, guarded against a concurrent change, and audited. */
async function move(
  ctx: AppContext,
  actor: Actor,
  id: string,
  to: ItemStatus,
  action: string,
  patch: Parameters<ItemsRepository['transition']>[2] = {},
  detail?: Record<string, unknown>,
): Promise<ItemRow> {
  const { items, audit } = ctx.repos;
  const item = await itemById(ctx, id);
  assertTransition(item.status, to);
  const moved = await items.transition(id, to, patch, [item.status]);
  if (!moved) {
    const now = await itemById(ctx, id);
    assertTransition(now.status, to);
    throw itemChangedMeanwhile();
  }
  await audit.record(staffEntry(actor, action, `item:${id}`, detail));
  return moved;
}

/**
 * A reviewer approves an item: it goes on the class's boards. Approval follows watching (issue 15): this reviewer
 * has played 95 %, or says they watched it elsewhere; a failed flashing check needs their word that they watched
 * the flagged moments. Each acknowledgement (check names such as "flashing", "watched_elsewhere") is audited.
 */
export async function approveItem(ctx: AppContext, actor: Actor, id: string, acknowledge: string[]): Promise<ItemRow> {
  const current = await itemById(ctx, id);
  if (current.status === 'approved') throw alreadyApproved();
  // Only an item that could be approved now is held to the rules; other statuses get the state machine's answer.
  const reviewable = current.status === 'awaiting_review';
  const watched = reviewable ? await viewingService(ctx).assertMayApprove(current, actor.id, acknowledge) : undefined;
  const acknowledged = reviewable
    ? requiredAcknowledgements((current.details as { vetting?: Partial<VettingChecks> } | null)?.vetting, acknowledge)
    : [];
  if (watched === 'acknowledged') acknowledged.push('watched_elsewhere');
  return move(
    ctx,
    actor,
    id,
    'approved',
    'item.approve',
    { reviewed_by: actor.id, reviewed_at: new Date() },
    { ...(watched ? { watched } : {}), ...(acknowledged.length ? { acknowledged } : {}) },
  );
}

/** A reviewer rejects an item, with a reason for colleagues if they give one. */
export async function rejectItem(ctx: AppContext, actor: Actor, id: string, reason: string | null): Promise<ItemRow> {
  return move(
    ctx,
    actor,
    id,
    'rejected',
    'item.reject',
    { reviewed_by: actor.id, reviewed_at: new Date(), reject_reason: reason },
    reason ? { reason } : undefined,
  );
}

/**
 * Make the item again (see `remakeItem`) and queue the new copy's fetch. A clip end left out keeps the item's
 * own; `null` clears it.
 */
export async function reprocessItem(
  ctx: AppContext,
  actor: Actor,
  id: string,
  asked: { startSeconds?: number | null; endSeconds?: number | null },
  log: ServiceLog,
): Promise<ItemRow> {
  const current = await itemById(ctx, id);
  const start = asked.startSeconds === undefined ? current.start_seconds : asked.startSeconds;
  const end = asked.endSeconds === undefined ? current.end_seconds : asked.endSeconds;
  assertClip(start, end);
  const { item } = await remakeItem(ctx, actor, current.id, { startSeconds: start, endSeconds: end });
  await queueFetch(ctx, item, log);
  return item;
}

/** The item's page: the item, and how its re-make is going when it has one. */
export async function itemPage(ctx: AppContext, id: string) {
  const item = await itemById(ctx, id);
  return { item, remake: await remakeOf(ctx, item) };
}

/**
 * How the re-make of an approved item is going, for the item's page: the draft's id and status, and why it
 * failed if it did (the live copy is unchanged then). Null when there is none.
 */
export async function remakeOf(ctx: AppContext, item: ItemRow) {
  if (item.status !== 'approved') return null;
  const draft = await ctx.repos.remakes.latestOf(item.id);
  if (!draft) return null;
  return {
    id: draft.id,
    status: draft.status,
    error: draft.error_code ? { code: draft.error_code, message: draft.error_message ?? '' } : null,
  };
}

export interface Clip {
  startSeconds: number | null;
  endSeconds: number | null;
}

/** What a teacher may not see again, from an earlier run of the item: its facts are made fresh. */
function remakeDetails(details: Record<string, unknown> | null, remakeOf: string): Record<string, unknown> {
  const { reusedFrom: _r, remakeOf: _o, flags: _f, ...rest } = details ?? {};
  return { ...rest, remakeOf };
}

/**
 * Make an item again: after a failure, or with a new clip chosen in the review view.
 *
 * An item that is not on a board (failed, awaiting review) is simply made again as a new generation. An
 * approved item is never taken off the board for this: the new copy is made as a draft item beside it (the
 * same link or the same uploaded original, which is copied rather than fetched again), reviewed like any other,
 * and only when the draft is approved does it take the old item's place (a trigger in the database does the
 * swap in the approving transaction, whichever path approves it). A draft that fails leaves the live item as it
 * was, and the failure shows on the draft in the playlist.
 */
export async function remakeItem(ctx: AppContext, actor: Actor, itemId: string, clip: Clip): Promise<{ item: ItemRow; draft: boolean }> {
  const { items, audit } = ctx.repos;
  const current = await items.get(itemId);
  if (!current) throw new VettedError('item_not_found', 'That item does not exist (it may have been deleted).', { httpStatus: 404 });

  if (current.status !== 'approved') {
    assertTransition(current.status, 'queued');
    const moved = await items.transition(
      current.id,
      'queued',
      {
        start_seconds: clip.startSeconds,
        end_seconds: clip.endSeconds,
        progress: 0,
        error_code: null,
        error_message: null,
        reviewed_by: null,
        reviewed_at: null,
        attempts: 0,
        media_generation: current.media_generation + 1,
      },
      [current.status],
    );
    if (!moved) throw itemChangedMeanwhile();
    await audit.record(staffEntry(actor, 'item.reprocess', `item:${current.id}`, { ...clip }));
    return { item: moved, draft: false };
  }

  const draft = await items.create({
    playlistId: current.playlist_id,
    url: current.url,
    canonicalUrl: current.canonical_url,
    kind: current.kind,
    title: current.title,
    startSeconds: clip.startSeconds,
    endSeconds: clip.endSeconds,
    submittedBy: actor.id,
    details: remakeDetails(current.details as Record<string, unknown> | null, current.id),
  });
  const details = (current.details ?? {}) as Record<string, unknown>;
  if (details.link === 'upload') {
    // The draft gets its own copy of the original: the live item (and its original) may be purged later.
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'vetted-remake-'));
    try {
      const file = path.join(scratch, 'original');
      if (!(await ctx.store.copyOriginal(current.id, file))) throw originalGone();
      await ctx.store.saveOriginal(draft.id, createReadStream(file));
    } catch (e) {
      await items.deleteUnless(draft.id, []);
      await ctx.store.removeItem(draft.id);
      throw e;
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
  }
  await audit.record(staffEntry(actor, 'item.reprocess', `item:${current.id}`, { ...clip, draft: draft.id }));
  return { item: draft, draft: true };
}
