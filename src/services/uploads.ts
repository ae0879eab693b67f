import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pipeline, Transform, type Readable } from 'node:stream';
import type { AppContext } from '../api-context.js';
import type { ItemRow } from '../db/schema.js';
import { VettedError } from '../domain/errors.js';
import { titleFromUrl } from '../domain/link.js';
import { staffEntry, type Actor } from './actor.js';
import { queueFetch, type ServiceLog } from './fetch-queue.js';

export const uploadTooLarge = (max: number) =>
  new VettedError('upload_too_large', `The file is larger than the ${Math.floor(max / 1024 ** 2)} MB this installation accepts. Trim it or choose a shorter video.`, {
    httpStatus: 413,
  });

export const uploadIncomplete = () =>
  new VettedError('upload_incomplete', 'The upload stopped before the whole file arrived. Try again.', { httpStatus: 400 });

const notAVideoPlaylist = () =>
  new VettedError('not_a_video_playlist', 'A video file can be uploaded only into a video playlist. Choose one of the class’s video playlists.', {
    httpStatus: 409,
  });

const playlistGone = () => new VettedError('playlist_not_found', 'That playlist does not exist (it may have been deleted).', { httpStatus: 404 });

/**
 * Uploading a video file: the body is streamed into the store as the item's original (kept so the teacher can
 * trim and re-make later), then the item is created and queued like a fetched link. Only into a video playlist
 * (a site list's tile would otherwise link to `upload:…`). While the file is written there is no item row yet,
 * so the upload holds a storage lease: `storage check --fix` leaves the folder alone.
 */
export async function uploadVideo(
  ctx: AppContext,
  actor: Actor,
  input: { playlistId: string; fileName: string; title?: string; declaredBytes: number; body: Readable },
): Promise<ItemRow> {
  const { items, playlists, audit, storageLeases } = ctx.repos;
  const max = ctx.config.maxDownloadBytes;
  const playlist = await playlists.get(input.playlistId);
  if (!playlist) throw playlistGone();
  if (playlist.kind !== 'videos') throw notAVideoPlaylist();
  if (input.declaredBytes > max) throw uploadTooLarge(max);

  const id = randomUUID();
  let received = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, next) {
      received += chunk.length;
      next(received > max ? uploadTooLarge(max) : null, chunk);
    },
    // Checked before the store finishes the file, so a short or empty body is never kept.
    flush(done) {
      if (received === 0) done(new VettedError('upload_empty', 'The file is empty.', { httpStatus: 400 }));
      else if (Number.isFinite(input.declaredBytes) && received !== input.declaredBytes) done(uploadIncomplete());
      else done();
    },
  });
  await storageLeases.take(id, 'upload');
  try {
    try {
      await ctx.store.saveOriginal(id, pipeline(input.body, count, () => {}));
    } catch (e) {
      await ctx.store.removeItem(id);
      if (e instanceof VettedError) throw e;
      throw uploadIncomplete();
    }
    const fileName = path.basename(input.fileName).slice(0, 200);
    const title = input.title?.trim() || titleFromUrl(new URL(`file:///${encodeURIComponent(fileName)}`)) || 'Uploaded video';
    const item = await items.create({
      id,
      playlistId: playlist.id,
      url: `upload:${fileName}`,
      // Never shared with another submission: each upload is its own source.
      canonicalUrl: `upload:${id}`,
      kind: 'video',
      title,
      startSeconds: null,
      endSeconds: null,
      submittedBy: actor.id,
      details: { link: 'upload', fileName, siteName: 'Uploaded file', uploadBytes: received },
    });
    await audit.record(staffEntry(actor, 'item.upload', `item:${item.id}`, { fileName, bytes: received }));
    return item;
  } finally {
    await storageLeases.release(id);
  }
}

/** The upload route's use case: the upload above, then the new item's fetch is queued like a submitted link's. */
export async function uploadAndQueue(ctx: AppContext, actor: Actor, input: Parameters<typeof uploadVideo>[2], log: ServiceLog): Promise<ItemRow> {
  const item = await uploadVideo(ctx, actor, input);
  await queueFetch(ctx, item, log);
  return item;
}
