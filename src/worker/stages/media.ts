import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { WorkerContext } from '../context.js';
import { clipCaptions } from '../../domain/captions.js';
import { VettedError } from '../../domain/errors.js';
import { planPreparation } from '../../domain/media-plan.js';
import { assessProbe, clipWindow, defaultMediaLimits, planEncode } from '../../domain/media-rules.js';
import type { ItemMediaFiles, ItemRow } from '../../db/schema.js';
import type { FetchedPage, FetchedVideo } from '../../sources/types.js';
import { progressReporter } from './progress.js';
import type { VettingChecks } from '../../domain/vetting.js';
import { descriptionOf, screenWords, wordScreenLibrary } from './vetting.js';

export const MEDIA_WORK = 'media';

const SOURCE_GONE = new VettedError(
  'source_missing',
  'The downloaded copy of this link was lost before it could be prepared. Try again.',
);

/**
 * Media stage: probe → check limits → remux or transcode with the vetting checks, poster and thumbnail in the
 * same decode → storyboard, captions, word screen → publish → awaiting_review.
 * Everything is written into a private work folder and published with one rename, so a crash
 * or a kill at any point leaves no half-written file where anyone can see it.
 */
export interface MediaStageOptions {
  /**
   * Run the vetting checks in the decode (the default, and always so in the service). Only the benchmark turns them
   * off, to measure the pipeline's own overhead against a bare ffmpeg; it is an argument, never a setting.
   */
  checks: boolean;
}

export async function runMediaStage(
  ctx: WorkerContext,
  itemId: string,
  signal: AbortSignal,
  options: MediaStageOptions = { checks: true },
): Promise<'done' | 'skipped'> {
  const { items } = ctx.repos;
  const item = await items.get(itemId);
  if (!item || item.status !== 'processing') return 'skipped';

  const source = await ctx.store.loadSource<FetchedVideo | FetchedPage>(itemId);
  if (!source) {
    // Lost its source (e.g. a scratch folder wiped): fetch again rather than fail the teacher.
    const back = await items.transition(itemId, 'queued', { progress: 0 }, ['processing']);
    if (!back) return 'skipped';
    await ctx.producer.enqueue('fetch', itemId, back.media_generation);
    return 'done';
  }
  const { dir: fetchDir, meta } = source;
  if (meta.type === 'page') return publishPage(ctx, item, fetchDir, meta);
  const sourceFile = path.join(fetchDir, meta.file);
  await fs.access(sourceFile).catch(() => {
    throw SOURCE_GONE;
  });

  const media = ctx.media();
  const probe = await media.probe(sourceFile);
  assessProbe(probe, { ...defaultMediaLimits, maxDurationSeconds: ctx.config.maxDurationSeconds });
  const clip = { startSeconds: item.start_seconds, endSeconds: item.end_seconds };
  const wantsClip = clip.startSeconds != null || clip.endSeconds != null;
  const window = wantsClip ? clipWindow(probe, clip) : null;
  const plan = planEncode(probe, clip);

  const workDir = await ctx.store.workDir(itemId, MEDIA_WORK);
  const progress = progressReporter(items, itemId, 'processing');
  const video = path.join(workDir, 'video.mp4');
  // Loaded while ffmpeg works (its failure shows where the words are screened).
  wordScreenLibrary().catch(() => undefined);
  try {
    const encodeStarted = performance.now();
    const prepared = await media.prepareVideo(sourceFile, workDir, {
      probe,
      plan: planPreparation(probe, plan, window, { hasCaptions: Boolean(meta.captions), checks: options.checks }),
      maxOutputBytes: ctx.config.maxDownloadBytes,
      signal,
      onProgress: (p) => progress.report(p * 0.95),
    });
    // Seconds in ffmpeg for the video (with the checks and pictures made in the same decode).
    ctx.producer.recordEncode(plan, (performance.now() - encodeStarted) / 1000);
    await progress.flush();

    // Known from the run itself (frames counted, size from the plan); probed only if the checks' frames were lost.
    const output: { durationSeconds: number; width?: number; height?: number } =
      prepared.output ?? (await media.probe(video).then((o) => ({ durationSeconds: o.durationSeconds, width: o.video?.width, height: o.video?.height })));
    const files: ItemMediaFiles = { ...prepared.files, ...(prepared.scenes.length ? { scenes: prepared.scenes.map((s) => s.file) } : {}) };
    if (meta.captions) {
      // Captions follow the clip: what the children see and read start and end together.
      const vtt = await fs.readFile(path.join(fetchDir, meta.captions), 'utf8');
      await fs.writeFile(path.join(workDir, 'captions.vtt'), window ? clipCaptions(vtt, window.start, window.duration) : vtt);
      files.captions = 'captions.vtt';
    }
    const notes = [...prepared.notes];
    const vetting: VettingChecks = {
      flashing: prepared.flashing,
      loudness: prepared.loudness,
      scenes: prepared.scenes,
      words: await screenWords(
        ctx,
        {
          title: item.title_locked ? item.title : (meta.title ?? item.title),
          description: descriptionOf(meta.details),
          ...(files.captions ? { captionsFile: path.join(workDir, files.captions) } : {}),
        },
        notes,
      ),
      ...(notes.length ? { notes } : {}),
    };
    const generation = item.media_generation;
    await ctx.store.publish(itemId, generation, workDir);
    const bytes = await ctx.store.size(itemId, generation);
    // The source is no longer needed once the copy is published; dropped first, so an item never
    // shows as ready with scratch files behind it (a crash here just makes the item fetch again).
    await ctx.store.removeWork(itemId);
    const done = await items.transition(
      itemId,
      'awaiting_review',
      {
        progress: 100,
        media: files,
        media_bytes: String(bytes),
        duration_seconds: Math.round(output.durationSeconds * 100) / 100,
        ...(item.title_locked || !meta.title ? {} : { title: meta.title }),
        details: { ...(item.details ?? {}), ...(meta.details ?? {}), encode: plan, width: output.width, height: output.height, vetting },
        error_code: null,
        error_message: null,
      },
      ['processing'],
    );
    if (!done) return 'skipped';
    await ctx.store.removeOtherGenerations(itemId, generation);
    return 'done';
  } catch (e) {
    await progress.flush();
    await ctx.store.removeWork(itemId, MEDIA_WORK);
    throw e;
  }
}

/**
 * A web page's clean copy needs no ffmpeg here (its pictures were re-encoded while fetching): its
 * files move into a fresh folder that is published with one rename, like a video's.
 */
async function publishPage(ctx: WorkerContext, item: ItemRow, fetchDir: string, meta: FetchedPage): Promise<'done' | 'skipped'> {
  const { items } = ctx.repos;
  const workDir = await ctx.store.workDir(item.id, MEDIA_WORK);
  const names = [meta.files.page, meta.files.thumbnail, meta.files.poster, ...meta.files.images];
  try {
    for (const name of new Set(names)) await fs.rename(path.join(fetchDir, name), path.join(workDir, name));
  } catch {
    await ctx.store.removeWork(item.id, MEDIA_WORK);
    throw SOURCE_GONE;
  }
  const notes: string[] = [];
  const vetting: VettingChecks = {
    flashing: null,
    loudness: null,
    scenes: [],
    words: await screenWords(
      ctx,
      {
        title: item.title_locked ? item.title : (meta.title ?? item.title),
        description: descriptionOf(meta.details),
        pageFile: path.join(workDir, meta.files.page),
      },
      notes,
    ),
    ...(notes.length ? { notes } : {}),
  };
  const generation = item.media_generation;
  await ctx.store.publish(item.id, generation, workDir);
  const bytes = await ctx.store.size(item.id, generation);
  await ctx.store.removeWork(item.id);
  const done = await items.transition(
    item.id,
    'awaiting_review',
    {
      progress: 100,
      media: { page: meta.files.page, thumbnail: meta.files.thumbnail, poster: meta.files.poster, images: meta.files.images },
      media_bytes: String(bytes),
      duration_seconds: null,
      ...(item.title_locked || !meta.title ? {} : { title: meta.title }),
      details: { ...(item.details ?? {}), ...(meta.details ?? {}), vetting },
      error_code: null,
      error_message: null,
    },
    ['processing'],
  );
  if (!done) return 'skipped';
  await ctx.store.removeOtherGenerations(item.id, generation);
  return 'done';
}
