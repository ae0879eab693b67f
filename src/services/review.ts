import { createReadStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppContext } from '../api-context.js';
import type { ItemRow } from '../db/schema.js';
import { VettedError } from '../domain/errors.js';
import { assertTransition } from '../domain/item-state.js';
import type { Actor } from './classes.js';

const changedMeanwhile = () =>
  new VettedError('conflict', 'This item changed while you were working on it. Reload and try again.', { httpStatus: 409 });

const originalGone = () =>
  new VettedError('upload_missing', 'The uploaded file is no longer on the server (it may have been purged). Upload it again.', { httpStatus: 409 });

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
    if (!moved) throw changedMeanwhile();
    await audit.record({ actorId: actor.id, actorKind: 'staff', action: 'item.reprocess', target: `item:${current.id}`, ip: actor.ip, detail: { ...clip } });
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
  await audit.record({
    actorId: actor.id,
    actorKind: 'staff',
    action: 'item.reprocess',
    target: `item:${current.id}`,
    ip: actor.ip,
    detail: { ...clip, draft: draft.id },
  });
  return { item: draft, draft: true };
}
