/**
 * The ffmpeg command lines, built from a plan without running anything (so they are read and tested as data).
 * Every input is `file:/absolute/path` behind the protocol and demuxer whitelists; every output is a name we chose.
 */
import type { PreparationPlan } from '../domain/media-plan.js';
import { uprightSize, type ProbeResult } from '../domain/media-rules.js';
import { seconds, VIDEO_INPUT } from './basics.js';

export const POSTER_MAX_WIDTH = 1280;
export const THUMBNAIL_WIDTH = 320;
/** Frames the `thumbnail` filter compares; it holds them all in memory, so frames are scaled down first. */
export const THUMBNAIL_CANDIDATES = 50;

export interface Outputs {
  video: string;
  poster: string;
  thumbnail: string;
}

/**
 * Input options for the source, with the clip's start as an input seek (jumps near it instead of decoding), and any
 * decoder options (`decoding`) for this run.
 */
export function sourceInput(src: string, window: { start: number } | null, decoding: string[] = []): string[] {
  return [
    ...VIDEO_INPUT,
    ...decoding,
    ...(window && window.start > 0 ? ['-ss', seconds(window.start)] : []),
    '-reinit_filter', '0',
    '-i', `file:${src}`,
  ];
}

/**
 * How a copy decodes its picture when the decode only feeds the checks' 160-pixel frames (the published picture is
 * the copied one, and the poster comes from keyframes decoded normally afterwards), measured on a 60 s 720p H.264
 * clip (bench/checks.ts):
 * - `-skip_loop_filter all`: no deblocking, about 13 % of the decode's CPU. The frames drift slightly from the
 *   encoder's within a GOP (their references are not deblocked either); averaged over 8×8-pixel areas that is far
 *   below the flash threshold's 0.1 of luminance and the scene measure's cut.
 * - `-threads 2`: two frame threads, now that the sound is encoded in its own run (`soundArgs`) and no longer waits
 *   on this run's main thread: 5.2 s → 3.8 s by the clock on that clip for about 0.3 s more CPU. Frame threads
 *   give the same frames as one thread. Two, not one per core: a worker may run several jobs at once.
 * `-flags2 fast` saved nothing measurable and is not used.
 */
const ANALYSIS_ONLY_DECODE = ['-threads', '2', '-skip_loop_filter', 'all'];

/** Titles, GPS location, chapters, subtitles and data tracks stay behind: children's videos say nothing of who filmed them. */
const NO_METADATA = ['-map_metadata', '-1', '-map_metadata:s', '-1', '-map_chapters', '-1', '-sn', '-dn'];

export function cut(window: { duration: number } | null): string[] {
  return window ? ['-t', seconds(window.duration)] : [];
}

/** An MP4 output, cut off at the size cap; `faststart` (the index first, for playing while loading) for published files. */
function mp4Tail(maxOutputBytes: number, faststart = true): string[] {
  return ['-max_muxing_queue_size', '1024', ...(faststart ? ['-movflags', '+faststart'] : []), '-fs', String(Math.floor(maxOutputBytes)), '-f', 'mp4'];
}

export function scaleForBrowsers(video: NonNullable<ProbeResult['video']>): string {
  // ffmpeg autorotates decoded frames, so the box is fitted to the upright picture and portrait stays portrait.
  const upright = uprightSize(video);
  const [boxW, boxH] = upright.width >= upright.height ? [1920, 1080] : [1080, 1920];
  return `scale=w='min(${boxW},iw)':h='min(${boxH},ih)':force_original_aspect_ratio=decrease:force_divisible_by=2`;
}

const H264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-profile:v', 'high', '-pix_fmt', 'yuv420p'];
/** AAC in the plan's layout (stereo unless a copied mono track stays mono). */
const aac = (layout: PreparationPlan['soundLayout'] = 'stereo') => ['-c:a', 'aac', '-b:a', '128k', '-ac', layout === 'mono' ? '1' : '2', '-ar', '48000'];

/** The plain encode (no checks): the fallback when a run with the checks cannot finish. */
export function plainEncodeArgs(src: string, target: string, probe: ProbeResult, plan: 'copy' | 'transcode', window: PreparationPlan['window'], maxOutputBytes: number): string[] {
  const video = probe.video!;
  const hasAudio = probe.audio !== null;
  const out = ['-map', '0:V:0', ...(hasAudio ? ['-map', '0:a:0'] : []), ...cut(window), ...NO_METADATA];
  if (plan === 'copy') out.push('-c', 'copy');
  else out.push(...H264, '-vf', scaleForBrowsers(video), ...(hasAudio ? aac() : []));
  if (!hasAudio) out.push('-an');
  return ['-loglevel', 'error', ...sourceInput(src, window), ...out, ...mp4Tail(maxOutputBytes), '-y', `file:${target}`];
}

/**
 * The branch of the graph that makes the checks' small frames (to stdout). Area averaging: each small pixel is the
 * mean of the 8×8 (for 720p) it stands for, so a fine pattern moving on screen is an even grey, never the flicker a
 * cheaper point-sampling scaler (`fast_bilinear`, about half the cost) would alias it into.
 */
function analysisBranch(plan: PreparationPlan, from: string): string {
  const { width, height, fps } = plan.analysis;
  return `[${from}]fps=${fps},scale=${width}:${height}:flags=area,format=rgb24[raw]`;
}

/** The poster and thumbnail, picked from the decoded frames. */
function pictureBranch(plan: PreparationPlan, from: string): string {
  return (
    // Only the frames the poster is chosen from go down this branch; `trim` ends it so the rest costs nothing.
    `[${from}]select='gte(t\\,${plan.posterAt})',trim=end_frame=${THUMBNAIL_CANDIDATES},` +
    `scale=w='min(${POSTER_MAX_WIDTH},iw)':h=-2,thumbnail=${THUMBNAIL_CANDIDATES},split=2[poster][small];` +
    `[small]scale=w=${THUMBNAIL_WIDTH}:h=-2[thumb]`
  );
}

/** One JPEG picture written to exactly `target`, without metadata. */
export const jpegFile = (target: string) => [
  '-frames:v', '1',
  // -update 1 makes the image2 muxer write this exact name, never read it as a %d sequence pattern.
  '-update', '1', '-q:v', '3', '-map_metadata', '-1', '-f', 'image2', '-y', `file:${target}`,
];

/** The checks' small frames, to stdout. */
const analysisOutput = (plan: PreparationPlan) => ['-map', '[raw]', ...cut(plan.window), '-f', 'rawvideo', 'pipe:1'];

/** The poster and the thumbnail as pictures. */
function imageOutputs(plan: PreparationPlan, out: Outputs): string[] {
  const jpeg = (label: string, target: string) => ['-map', `[${label}]`, ...cut(plan.window), ...jpegFile(target)];
  return [...jpeg('poster', out.poster), ...jpeg('thumb', out.thumbnail)];
}

/**
 * The sound chain: the gain when one is given (`volume`, or `loudnorm`'s second pass), then 48 kHz again (after
 * loudnorm's internal 192 kHz) in the plan's layout — in a filter chain `-ac` alone cannot pick one after loudnorm,
 * whose output has none — so the sound is measured in the channels it is published in. `measure` ends it with
 * `ebur128`, whose summary at the end of the log is the loudness.
 */
function soundChain(gain: string | null, layout: PreparationPlan['soundLayout'], measure: boolean): string {
  const chain = `${gain ? `${gain},` : ''}aresample=48000,aformat=sample_rates=48000:channel_layouts=${layout}`;
  return measure ? `${chain},ebur128=peak=true:framelog=verbose` : chain;
}

/**
 * The transcode without the checks (the benchmark's measure of the pipeline's own overhead): one decode for the
 * encode, the sound, the poster and the thumbnail.
 */
export function transcodeArgs(src: string, out: Outputs, probe: ProbeResult, plan: PreparationPlan, maxOutputBytes: number): string[] {
  const graph = [`[0:V:0]split=2[enc][pst]`, `[enc]${scaleForBrowsers(probe.video!)}[vout]`, pictureBranch(plan, 'pst')].join(';');
  return [
    '-loglevel', 'error',
    ...sourceInput(src, plan.window),
    '-filter_complex', graph,
    '-map', '[vout]', ...(plan.audio ? ['-map', '0:a:0'] : []), ...cut(plan.window), ...NO_METADATA,
    ...H264, ...(plan.audio ? aac() : ['-an']),
    ...mp4Tail(maxOutputBytes), '-y', `file:${out.video}`,
    ...imageOutputs(plan, out),
  ];
}

/**
 * The picture run of the checks (the sound has its own run beside it, `soundArgs`, and `muxArgs` joins them):
 * - transcode: one decode for the encode, the checks' frames, the poster and the thumbnail; no sound;
 * - copy: the picture stream-copied while decoded for the checks' frames only (`ANALYSIS_ONLY_DECODE`: the poster
 *   and thumbnail come from the copy's keyframes afterwards, decoded normally), and the sound copied as it came,
 *   for when it needs no gain.
 * Written without `faststart`: the mux writes the published file.
 */
export function pictureArgs(src: string, out: Outputs, probe: ProbeResult, plan: PreparationPlan, maxOutputBytes: number): string[] {
  const common = [...cut(plan.window), ...NO_METADATA, ...mp4Tail(maxOutputBytes, false), '-y', `file:${out.video}`];
  if (plan.encode === 'transcode') {
    const graph = [
      `[0:V:0]split=3[enc][ana][pst]`,
      `[enc]${scaleForBrowsers(probe.video!)}[vout]`,
      analysisBranch(plan, 'ana'),
      pictureBranch(plan, 'pst'),
    ].join(';');
    return [
      '-loglevel', 'error',
      ...sourceInput(src, plan.window),
      '-filter_complex', graph,
      '-map', '[vout]', '-an', ...H264, ...common,
      ...analysisOutput(plan), ...imageOutputs(plan, out),
    ];
  }
  return [
    '-loglevel', 'error',
    ...sourceInput(src, plan.window, ANALYSIS_ONLY_DECODE),
    '-filter_complex_threads', '1',
    '-filter_complex', analysisBranch(plan, '0:V:0'),
    // The display matrix (phone rotation) is stream side data, not metadata, so it survives the copy.
    '-map', '0:V:0', '-c:v', 'copy', ...(plan.audio ? ['-map', '0:a:0', '-c:a', 'copy'] : ['-an']), ...common,
    ...analysisOutput(plan),
  ];
}

/**
 * The sound run of the checks, beside the picture run: the sound alone as AAC, with its gain when it has one, in
 * the plan's layout. `measure` adds `ebur128` for the published level, for a gain (loudnorm's) whose result is not
 * known in advance.
 */
export function soundArgs(src: string, target: string, plan: PreparationPlan, gain: string | null, measure: boolean): string[] {
  return [
    '-loglevel', measure ? 'info' : 'error',
    ...sourceInput(src, plan.window),
    '-map', '0:a:0', '-vn', ...cut(plan.window), ...NO_METADATA,
    '-af', soundChain(gain, plan.soundLayout, measure), ...aac(plan.soundLayout),
    '-f', 'mp4', '-y', `file:${target}`,
  ];
}

/**
 * The published file from the two runs: the picture run's video, and the sound run's sound (or, when the sound was
 * copied as it came, the picture run's). `-copyts` keeps the timestamps both runs wrote, so a sound that starts
 * after the picture (or before it) stays where it was; each run already started its own at the same point.
 */
export function muxArgs(picture: string, sound: string | null, target: string, plan: PreparationPlan, maxOutputBytes: number): string[] {
  const audio = sound ? ['-map', '1:a:0'] : plan.audio ? ['-map', '0:a:0'] : ['-an'];
  return [
    '-loglevel', 'error',
    '-copyts',
    ...VIDEO_INPUT, '-i', `file:${picture}`,
    ...(sound ? [...VIDEO_INPUT, '-i', `file:${sound}`] : []),
    '-map', '0:v:0', ...audio, '-c', 'copy', ...NO_METADATA,
    ...mp4Tail(maxOutputBytes), '-y', `file:${target}`,
  ];
}

/**
 * First run, when there is sound: the sound alone, measured through the same chain it is published through (48 kHz,
 * in the plan's layout: a copied mono track as mono, anything else as the stereo it becomes), for the gain the main
 * run applies and for the level of a track that is copied as it is.
 */
export function measureAudioArgs(src: string, plan: PreparationPlan): string[] {
  return [
    '-loglevel', 'info',
    ...sourceInput(src, plan.window),
    '-map', '0:a:0', '-vn', '-sn', '-dn', ...cut(plan.window),
    '-af', soundChain(null, plan.soundLayout, true), '-f', 'null', '-',
  ];
}

/** The storyboard: the scene frames (rgb24 on stdin) as one JPEG each and one sprite of them all. */
export function storyboardArgs(
  frames: { width: number; height: number; count: number },
  grid: { columns: number; rows: number },
  scenePattern: string,
  sprite: string,
): string[] {
  return [
    '-loglevel', 'error',
    '-protocol_whitelist', 'pipe',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${frames.width}x${frames.height}`, '-r', '1', '-i', 'pipe:0',
    '-filter_complex', `[0:v]split=2[each][all];[all]tile=${grid.columns}x${grid.rows}[sprite]`,
    '-map', '[each]', '-q:v', '4', '-start_number', '0', '-f', 'image2', '-y', `file:${scenePattern}`,
    '-map', '[sprite]', '-frames:v', '1', '-update', '1', '-q:v', '4', '-f', 'image2', '-y', `file:${sprite}`,
  ];
}

/**
 * A text subtitle track of the source as WebVTT, whole: an input seek would move cues by the distance to the
 * keyframe before it, so the clip is cut from the text afterwards (`clipCaptions`), as for a source's own captions.
 */
export function captionsArgs(src: string, track: number, target: string): string[] {
  return [
    '-loglevel', 'error',
    ...sourceInput(src, null),
    '-map', `0:s:${track}`, '-vn', '-an', '-dn', '-map_metadata', '-1',
    '-c:s', 'webvtt', '-f', 'webvtt', '-y', `file:${target}`,
  ];
}
