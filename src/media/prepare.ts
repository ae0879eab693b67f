/**
 * The media stage's video work in as few decodes as the plan allows: the encode (or remux), the checks' frame
 * analysis (flashing, storyboard), the poster, the thumbnail and the sound's loudness, then the storyboard images
 * and any text subtitle track as captions. A check that cannot run leaves its result null; it never fails the item.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { clipCaptions } from '../domain/captions.js';
import type { FlashResult } from '../domain/flashing.js';
import type { LoudnessCheck } from '../domain/vetting.js';
import { gainFor, parseEbur128Summary, planLoudness, type LoudnessMeasurement } from '../domain/loudness.js';
import { encodedSize, spriteGrid, type PreparationPlan } from '../domain/media-plan.js';
import type { ProbeResult } from '../domain/media-rules.js';
import { frameAnalysis, type SceneFrame } from './analysis.js';
import { encodeFailed, nonEmpty, regularFile, SHORT_JOB_TIMEOUT_MS } from './basics.js';
import { captionsArgs, copyArgs, measureAudioArgs, plainEncodeArgs, storyboardArgs, transcodeArgs } from './commands.js';
import { RunError, toCallerError, type Runner } from './runner.js';

export interface PrepareOptions {
  probe: ProbeResult;
  plan: PreparationPlan;
  maxOutputBytes: number;
  onProgress?: (percent: number) => void;
  signal?: AbortSignal;
}

export type { LoudnessCheck };

export interface PreparedVideo {
  /** File names inside the work folder. */
  files: { video: string; poster: string; thumbnail: string; storyboard?: string; captions?: string };
  scenes: Array<{ startSeconds: number; file: string }>;
  flashing: FlashResult | null;
  loudness: LoudnessCheck | null;
  /**
   * The published video's length (its frames counted at the analysis rate; the plan's without the checks) and picture
   * size (from the plan), so it need not be probed again; null when the frames were not analysed.
   */
  output: { durationSeconds: number; width: number; height: number } | null;
  /** Notes for the operators' log: which checks could not run, and why. */
  notes: string[];
}

export interface PrepareDeps {
  runner: Runner;
  timeoutMs: number;
  /** Checks the finished video's size against the cap; throws `media_too_large` or `media_encode_failed`. */
  checkOutput(target: string, maxOutputBytes: number): Promise<void>;
  /** Poster and thumbnail from the finished video: for when the picture ran out before the poster time. */
  thumbnails(video: string, outDir: string, opts: { durationSeconds: number; signal?: AbortSignal }): Promise<unknown>;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const isFailed = (e: unknown) => e instanceof RunError && e.failure.kind === 'failed';

export async function prepareVideo(deps: PrepareDeps, input: string, workDir: string, o: PrepareOptions): Promise<PreparedVideo> {
  const { runner, timeoutMs } = deps;
  const { plan, probe, signal } = o;
  const src = await regularFile(input);
  const at = (name: string) => path.resolve(workDir, name);
  const out = { video: at('video.mp4'), poster: at('poster.jpg'), thumbnail: at('thumbnail.jpg') };
  // A leftover from an earlier attempt must not pass for this run's output.
  await Promise.all(Object.values(out).map((f) => rm(f, { force: true })));
  const notes: string[] = [];
  const analysis = frameAnalysis(plan.analysis, plan.outputSeconds);
  const base = { timeoutMs, ...(signal ? { signal } : {}) };
  const progress = (from: number, to: number) =>
    o.onProgress ? { progressTotalSeconds: plan.outputSeconds, onProgress: (p: number) => o.onProgress!(from + ((to - from) * p) / 100) } : {};

  let measurement: LoudnessMeasurement | undefined;
  let published: LoudnessMeasurement | undefined;
  let analysed = false;

  if (plan.audio && plan.checks) {
    try {
      measurement = parseEbur128Summary(await runner.run({ args: measureAudioArgs(src, plan), ...base, partialFiles: [] }));
    } catch (e) {
      if (!isFailed(e)) throw toCallerError(e, encodeFailed);
    }
    if (!measurement) notes.push('loudness: the sound could not be measured');
  }
  const gain = gainFor(measurement);
  if (!plan.checks && plan.encode === 'copy') {
    // Without the checks a copy is the plain copy; its pictures come from its keyframes (below).
    await runPlain(deps, src, out.video, o);
  } else {
    try {
      const log = await runner.run({
        args:
          plan.encode === 'transcode'
            ? transcodeArgs(src, out, probe, plan, gain, o.maxOutputBytes)
            : copyArgs(src, out, plan, gain, o.maxOutputBytes),
        ...base,
        ...progress(0, 100),
        ...(plan.checks ? { onStdout: (chunk: Buffer) => analysis.write(chunk) } : {}),
        partialFiles: Object.values(out),
      });
      analysed = plan.checks;
      // The sound went through the measuring chain again on its way out, unless it was copied as it came.
      if (plan.checks && plan.audio && (plan.encode === 'transcode' || gain)) published = parseEbur128Summary(log);
    } catch (e) {
      if (!isFailed(e)) throw toCallerError(e, encodeFailed);
      // The run with the checks failed: the plain encode (or copy) decides whether the video itself is the problem.
      notes.push('checks: the combined run failed; prepared without them');
      measurement = undefined;
      await runPlain(deps, src, out.video, o);
    }
  }
  await deps.checkOutput(out.video, o.maxOutputBytes);

  if (!((await nonEmpty(out.poster)) && (await nonEmpty(out.thumbnail)))) {
    // A copy: from the copy's keyframes near the poster time (its run's decode, when it had one, skipped the
    // deblocking a poster needs). A transcode whose picture ended before the poster time (a container that
    // overstates its length): from the start.
    const fromKeyframes = plan.encode === 'copy';
    await deps.thumbnails(out.video, workDir, { durationSeconds: fromKeyframes ? plan.outputSeconds : 0, ...(signal ? { signal } : {}) });
  }
  o.onProgress?.(100);

  const result = analysed ? analysis.finish() : { flashing: null, scenes: [] as SceneFrame[], frames: 0 };
  const files: PreparedVideo['files'] = { video: 'video.mp4', poster: 'poster.jpg', thumbnail: 'thumbnail.jpg' };
  const scenes = await writeStoryboard(deps, workDir, plan, result.scenes, notes, signal);
  if (scenes.length > 0) files.storyboard = 'storyboard.jpg';
  if (plan.subtitleTrack !== null) {
    const name = 'captions.vtt';
    try {
      await runner.run({
        args: captionsArgs(src, plan.subtitleTrack, at(name)),
        ...base,
        timeoutMs: Math.min(timeoutMs, SHORT_JOB_TIMEOUT_MS * 5),
        partialFiles: [at(name)],
      });
      if (await nonEmpty(at(name))) {
        if (plan.window) {
          const vtt = await readFile(at(name), 'utf8');
          await writeFile(at(name), clipCaptions(vtt, plan.window.start, plan.window.duration));
        }
        files.captions = name;
      }
    } catch (e) {
      if (!isFailed(e)) throw toCallerError(e, encodeFailed);
      notes.push('captions: the subtitle track could not be read');
    }
  }
  // Without the checks no frames are counted: the length is the plan's.
  const seconds = result.frames > 0 ? result.frames / plan.analysis.fps : plan.checks ? 0 : plan.outputSeconds;
  const output =
    seconds > 0 && probe.video ? { durationSeconds: Math.round(seconds * 100) / 100, ...encodedSize(probe.video, plan.encode) } : null;
  return { files, scenes, flashing: result.flashing, loudness: loudnessCheck(measurement, published), output, notes };
}

async function runPlain(deps: PrepareDeps, src: string, target: string, o: PrepareOptions): Promise<void> {
  try {
    await deps.runner.run({
      args: plainEncodeArgs(src, target, o.probe, o.plan.encode, o.plan.window, o.maxOutputBytes),
      timeoutMs: deps.timeoutMs,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { progressTotalSeconds: o.plan.outputSeconds, onProgress: o.onProgress } : {}),
      partialFiles: [target],
    });
  } catch (e) {
    throw toCallerError(e, encodeFailed);
  }
}

function loudnessCheck(m: LoudnessMeasurement | undefined, published: LoudnessMeasurement | undefined): LoudnessCheck | null {
  if (!m) return null;
  if (planLoudness(m).kind === 'silent') return null;
  const outputLufs = published && Number.isFinite(published.integrated) ? published.integrated : m.integrated;
  const truePeakDb = published && Number.isFinite(published.truePeak) ? published.truePeak : m.truePeak;
  if (!Number.isFinite(outputLufs) || !Number.isFinite(truePeakDb)) return null;
  return { inputLufs: round1(m.integrated), outputLufs: round1(outputLufs), truePeakDb: round1(truePeakDb) };
}

/** The scene frames as one JPEG each and a sprite of them all; none when the run fails (the check helps, no more). */
async function writeStoryboard(
  deps: PrepareDeps,
  workDir: string,
  plan: PreparationPlan,
  frames: SceneFrame[],
  notes: string[],
  signal: AbortSignal | undefined,
): Promise<Array<{ startSeconds: number; file: string }>> {
  if (frames.length === 0) return [];
  const sprite = path.resolve(workDir, 'storyboard.jpg');
  const names = frames.map((_, i) => `scene-${String(i).padStart(2, '0')}.jpg`);
  try {
    await deps.runner.run({
      args: storyboardArgs(
        { width: plan.analysis.width, height: plan.analysis.height, count: frames.length },
        spriteGrid(frames.length),
        path.resolve(workDir, 'scene-%02d.jpg'),
        sprite,
      ),
      stdin: Buffer.concat(frames.map((f) => f.rgb)),
      timeoutMs: Math.min(deps.timeoutMs, SHORT_JOB_TIMEOUT_MS),
      ...(signal ? { signal } : {}),
      partialFiles: [sprite, ...names.map((n) => path.resolve(workDir, n))],
    });
    for (const n of names) if (!(await nonEmpty(path.resolve(workDir, n)))) throw new Error(`missing ${n}`);
    if (!(await nonEmpty(sprite))) throw new Error('missing sprite');
  } catch (e) {
    if (e instanceof RunError && e.failure.kind === 'abort') throw e.failure.error;
    await Promise.all([sprite, ...names.map((n) => path.resolve(workDir, n))].map((f) => rm(f, { force: true })));
    notes.push('storyboard: the images could not be written');
    return [];
  }
  return frames.map((f, i) => ({ startSeconds: f.startSeconds, file: names[i]! }));
}
