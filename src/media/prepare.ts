/**
 * The media stage's video work in as few decodes as the plan allows. With the checks, two runs side by side (one
 * core each on a small server): the picture run (the encode or copy, the checks' frame analysis, the poster and
 * thumbnail) and the sound run (its loudness measured, then encoded with the gain it needs), joined by a mux; then
 * the storyboard images and any text subtitle track as captions. A check that cannot run leaves its result null; it
 * never fails the item.
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
import { captionsArgs, measureAudioArgs, muxArgs, pictureArgs, plainEncodeArgs, soundArgs, storyboardArgs, transcodeArgs, type Outputs } from './commands.js';
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

/** What the runs with the checks found. */
interface Checked {
  frames: { flashing: FlashResult | null; scenes: SceneFrame[]; frames: number };
  loudness: LoudnessCheck | null;
  scenes: Array<{ startSeconds: number; file: string }>;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const isFailed = (e: unknown) => e instanceof RunError && e.failure.kind === 'failed';

export async function prepareVideo(deps: PrepareDeps, input: string, workDir: string, o: PrepareOptions): Promise<PreparedVideo> {
  const { plan, probe } = o;
  const src = await regularFile(input);
  const at = (name: string) => path.resolve(workDir, name);
  const out: Outputs = { video: at('video.mp4'), poster: at('poster.jpg'), thumbnail: at('thumbnail.jpg') };
  // The two runs' halves, joined into video.mp4 and removed; never published.
  const parts = { picture: at('picture.part.mp4'), sound: at('sound.part.m4a') };
  // A leftover from an earlier attempt must not pass for this run's output.
  await Promise.all([...Object.values(out), ...Object.values(parts)].map((f) => rm(f, { force: true })));
  const notes: string[] = [];

  const checked = plan.checks ? await prepareWithChecks(deps, src, workDir, out, parts, o, notes) : null;
  if (!checked) {
    await prepareWithoutChecks(deps, src, out, o, notes);
    await deps.checkOutput(out.video, o.maxOutputBytes);
    await picturesIfMissing(deps, out, out.video, workDir, o);
  }
  o.onProgress?.(100);

  const frames = checked?.frames ?? { flashing: null, scenes: [] as SceneFrame[], frames: 0 };
  const scenes = checked?.scenes ?? [];
  const files: PreparedVideo['files'] = { video: 'video.mp4', poster: 'poster.jpg', thumbnail: 'thumbnail.jpg' };
  if (scenes.length > 0) files.storyboard = 'storyboard.jpg';
  if (await captions(deps, src, at('captions.vtt'), plan, notes, o.signal)) files.captions = 'captions.vtt';
  // Without the checks no frames are counted: the length is the plan's.
  const seconds = frames.frames > 0 ? frames.frames / plan.analysis.fps : plan.checks ? 0 : plan.outputSeconds;
  const output =
    seconds > 0 && probe.video ? { durationSeconds: Math.round(seconds * 100) / 100, ...encodedSize(probe.video, plan.encode) } : null;
  return { files, scenes, flashing: frames.flashing, loudness: checked?.loudness ?? null, output, notes };
}

/**
 * The picture run and the sound run side by side, then the mux, the poster (for a copy) and the storyboard side by
 * side. Null when the picture run failed: the caller then prepares the video without the checks, which decides
 * whether the video itself is the problem. A timeout or an abort of either run stops the other.
 */
async function prepareWithChecks(
  deps: PrepareDeps,
  src: string,
  workDir: string,
  out: Outputs,
  parts: { picture: string; sound: string },
  o: PrepareOptions,
  notes: string[],
): Promise<Checked | null> {
  const { runner, timeoutMs } = deps;
  const { plan, probe } = o;
  const analysis = frameAnalysis(plan.analysis, plan.outputSeconds);
  const stop = new AbortController();
  const stopWith = () => stop.abort(o.signal?.reason);
  if (o.signal?.aborted) stopWith();
  o.signal?.addEventListener('abort', stopWith, { once: true });
  const ownStop = (e: unknown) => e instanceof RunError && e.failure.kind === 'abort' && !o.signal?.aborted;

  const picture = runner
    .run({
      args: pictureArgs(src, { ...out, video: parts.picture }, probe, plan, o.maxOutputBytes),
      timeoutMs,
      signal: stop.signal,
      ...(o.onProgress ? { progressTotalSeconds: plan.outputSeconds, onProgress: o.onProgress } : {}),
      onStdout: (chunk: Buffer) => analysis.write(chunk),
      partialFiles: plan.encode === 'transcode' ? [parts.picture, out.poster, out.thumbnail] : [parts.picture],
    })
    .then(
      () => true,
      (e: unknown) => {
        // Failed: the sound is not needed either (the plain encode takes over). Else a timeout or an abort.
        stop.abort();
        if (isFailed(e)) return false;
        throw e;
      },
    );
  const sound = plan.audio
    ? prepareSound(deps, src, parts.sound, plan, stop.signal, notes).catch((e: unknown) => {
        stop.abort();
        throw e;
      })
    : Promise.resolve(null);
  // A copy's poster and thumbnail come from keyframes, which the copy shares with its source: made meanwhile.
  const posters = plan.encode === 'copy' ? picturesIfMissing(deps, out, src, workDir, { ...o, signal: stop.signal }) : Promise.resolve();
  const [pictureRun, soundRun, posterRun] = await Promise.allSettled([picture, sound, posters]);
  o.signal?.removeEventListener('abort', stopWith);
  for (const r of [pictureRun, soundRun]) {
    if (r.status === 'rejected' && !ownStop(r.reason)) throw toCallerError(r.reason, encodeFailed);
  }
  const prepared = soundRun.status === 'fulfilled' ? soundRun.value : null;
  // A transcode has no sound of its own to fall back on: without the sound run's, it is prepared without the checks.
  const soundMissing = plan.audio && plan.encode === 'transcode' && !prepared?.file;
  if (!(pictureRun.status === 'fulfilled' && pictureRun.value) || soundMissing) {
    notes.push('checks: the run with the checks failed; prepared without them');
    await Promise.all([...Object.values(parts), out.poster, out.thumbnail].map((f) => rm(f, { force: true })));
    return null;
  }
  if (posterRun.status === 'rejected') throw toCallerError(posterRun.reason, encodeFailed);

  const frames = analysis.finish();
  const signal = o.signal ? { signal: o.signal } : {};
  const steps = await Promise.allSettled([
    (async () => {
      await runner.run({
        args: muxArgs(parts.picture, prepared?.file ?? null, out.video, plan, o.maxOutputBytes),
        timeoutMs,
        ...signal,
        partialFiles: [out.video],
      });
      await deps.checkOutput(out.video, o.maxOutputBytes);
    })(),
    // A transcode whose picture ended before the poster time wrote none: from its own start. (A copy's are made.)
    plan.encode === 'transcode' ? picturesIfMissing(deps, out, parts.picture, workDir, o) : Promise.resolve(),
    writeStoryboard(deps, workDir, plan, frames.scenes, notes, o.signal),
  ]);
  await Promise.all(Object.values(parts).map((f) => rm(f, { force: true })));
  for (const r of steps) if (r.status === 'rejected') throw toCallerError(r.reason, encodeFailed);
  const scenes = steps[2].status === 'fulfilled' ? steps[2].value : [];
  return { frames, scenes, loudness: loudnessCheck(prepared?.measured, prepared?.published) };
}

/**
 * The sound run: measured first (for its gain, and for the level of a sound that is copied as it is), then encoded
 * with that gain — or, for a copy that needs none, left to the picture run's copy (`file` null). A measure or an
 * encode that fails is a note, not a failure: the sound is then published without its gain. Throws only for a
 * timeout or an abort.
 */
async function prepareSound(
  deps: PrepareDeps,
  src: string,
  target: string,
  plan: PreparationPlan,
  signal: AbortSignal,
  notes: string[],
): Promise<{ file: string | null; measured?: LoudnessMeasurement; published?: Pick<LoudnessMeasurement, 'integrated' | 'truePeak'> }> {
  const { runner, timeoutMs } = deps;
  let measured: LoudnessMeasurement | undefined;
  try {
    measured = parseEbur128Summary(await runner.run({ args: measureAudioArgs(src, plan), timeoutMs, signal, partialFiles: [] }));
  } catch (e) {
    if (!isFailed(e)) throw e;
  }
  if (!measured) notes.push('loudness: the sound could not be measured');
  const gain = gainFor(measured);
  if (plan.encode === 'copy' && !gain) return { file: null, ...(measured ? { measured, published: measured } : {}) };
  // Only loudnorm's limiter needs its result measured; a plain gain's is known, and no gain publishes the level measured.
  const measure = gain !== null && gain.expected === null;
  try {
    const log = await runner.run({ args: soundArgs(src, target, plan, gain?.filter ?? null, measure), timeoutMs, signal, partialFiles: [target] });
    if (!measured) return { file: target };
    const published = measure ? parseEbur128Summary(log) : (gain?.expected ?? measured);
    return { file: target, measured, ...(published ? { published } : {}) };
  } catch (e) {
    if (!isFailed(e)) throw e;
    notes.push('loudness: the sound could not be encoded with its gain');
    // A copy publishes the sound it copied, as it came: its level is the one measured.
    return { file: null, ...(measured && plan.encode === 'copy' ? { measured, published: measured } : {}) };
  }
}

/** Without the checks (or when the run with them failed): the plain copy, or the transcode with its pictures. */
async function prepareWithoutChecks(deps: PrepareDeps, src: string, out: Outputs, o: PrepareOptions, notes: string[]): Promise<void> {
  const { plan } = o;
  if (plan.encode === 'copy') return runPlain(deps, src, out.video, o);
  try {
    await deps.runner.run({
      args: transcodeArgs(src, out, o.probe, plan, o.maxOutputBytes),
      timeoutMs: deps.timeoutMs,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { progressTotalSeconds: plan.outputSeconds, onProgress: o.onProgress } : {}),
      partialFiles: Object.values(out),
    });
  } catch (e) {
    if (!isFailed(e)) throw toCallerError(e, encodeFailed);
    // The pictures' branch may be what failed: the plain encode decides whether the video itself is the problem.
    notes.push('pictures: the transcode with the poster failed; encoded without it');
    await runPlain(deps, src, out.video, o);
  }
}

/**
 * The poster and thumbnail when no run made them. A copy: from `video`'s keyframes near the poster time (the checks'
 * decode skipped the deblocking a poster needs). A transcode whose picture ended before the poster time (a container
 * that overstates its length): from the start.
 */
async function picturesIfMissing(deps: PrepareDeps, out: Outputs, video: string, workDir: string, o: PrepareOptions): Promise<void> {
  if ((await nonEmpty(out.poster)) && (await nonEmpty(out.thumbnail))) return;
  const fromKeyframes = o.plan.encode === 'copy';
  await deps.thumbnails(video, workDir, { durationSeconds: fromKeyframes ? o.plan.outputSeconds : 0, ...(o.signal ? { signal: o.signal } : {}) });
}

/** Any text subtitle track of the source as WebVTT captions, cut with the clip; false when there is none or it is unreadable. */
async function captions(deps: PrepareDeps, src: string, target: string, plan: PreparationPlan, notes: string[], signal: AbortSignal | undefined): Promise<boolean> {
  if (plan.subtitleTrack === null) return false;
  try {
    await deps.runner.run({
      args: captionsArgs(src, plan.subtitleTrack, target),
      timeoutMs: Math.min(deps.timeoutMs, SHORT_JOB_TIMEOUT_MS * 5),
      ...(signal ? { signal } : {}),
      partialFiles: [target],
    });
    if (!(await nonEmpty(target))) return false;
    if (plan.window) await writeFile(target, clipCaptions(await readFile(target, 'utf8'), plan.window.start, plan.window.duration));
    return true;
  } catch (e) {
    if (!isFailed(e)) throw toCallerError(e, encodeFailed);
    notes.push('captions: the subtitle track could not be read');
    return false;
  }
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

function loudnessCheck(
  m: LoudnessMeasurement | undefined,
  published: Pick<LoudnessMeasurement, 'integrated' | 'truePeak'> | undefined,
): LoudnessCheck | null {
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
