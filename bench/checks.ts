/**
 * The vetting checks' budget (issue 12), measured side by side in one run through the media adapter the worker uses:
 *
 *  1c. the media stage with its checks (`prepareVideo`, transcode) ÷ the bare ffmpeg command for the same encode,
 *      on a 60 s 1280×720 VP9/Opus clip                                                          target ≤ 1.15
 *  2.  remux fast path ÷ transcode, on a 60 s 1280×720 H.264/AAC clip                            target ≤ 0.10
 *  2b. the remux with the checks (`prepareVideo`, copy: the picture copied and decoded once for the checks, the sound
 *      measured, then re-encoded with its gain) ÷ the same transcode                             target ≤ 0.25
 *
 * On a shared machine the load moves between two timings, so the contenders take turns (`repeats` rounds, each
 * timing every one of them) and each ratio is the median of the rounds' own ratios. Besides wall time, CPU time
 * (ffmpeg's and this process's, where the checks' frames are analysed) is reported: it moves far less with the load.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { planPreparation } from '../src/domain/media-plan.js';
import type { MediaBinaries } from '../src/media/binaries.js';
import { createMediaAdapter } from '../src/media/ffmpeg.js';

const run = promisify(execFile);
type Row = [string, string, string, string];

/** CPU seconds used so far by this process and by its children that have exited (ffmpeg runs). */
function cpuSeconds(): number {
  const own = process.cpuUsage();
  // /proc/self/stat: fields after the command name; cutime and cstime are the 16th and 17th fields overall.
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const children = (Number(fields[13]) + Number(fields[14])) / 100;
  return (own.user + own.system) / 1e6 + children;
}

async function measure(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  await fn();
  return { wall: (performance.now() - t0) / 1000, cpu: cpuSeconds() - c0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function checksBench(opts: { bins: MediaBinaries; dir: string; vp9: string; h264: string; repeats: number }): Promise<Row[]> {
  const { bins, dir, vp9, h264 } = opts;
  const media = createMediaAdapter({ ffmpegPath: bins.ffmpeg, ffprobePath: bins.ffprobe, timeoutMs: 3_600_000 });
  const vp9Probe = await media.probe(vp9);
  const h264Probe = await media.probe(h264);
  const stage = (file: string, probe: typeof vp9Probe, encode: 'copy' | 'transcode') => async () => {
    const work = await mkdtemp(path.join(dir, 'prep-'));
    await media.prepareVideo(file, work, { probe, plan: planPreparation(probe, encode, null, { hasCaptions: false }), maxOutputBytes: 2 ** 32 });
    await rm(work, { recursive: true, force: true });
  };
  const bareOut = path.join(dir, 'bare.mp4');
  // The bare command for the transcode the media stage runs, at the worker's own priority (nice 10).
  const bare = () =>
    run('nice', ['-n', '10', bins.ffmpeg, '-nostdin', '-hide_banner', '-loglevel', 'error', '-y',
      '-i', vp9, '-map', '0:V:0', '-map', '0:a:0', '-map_metadata', '-1', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
      '-vf', "scale=w='min(1920,iw)':h='min(1080,ih)':force_original_aspect_ratio=decrease:force_divisible_by=2",
      '-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-ar', '48000', '-movflags', '+faststart', bareOut], { maxBuffer: 1 << 24 });
  const encode = (plan: 'copy' | 'transcode') => () =>
    media.encode(h264, path.join(dir, `${plan}.mp4`), { plan, probe: h264Probe, clip: null, maxOutputBytes: 2 ** 32 });

  const contenders = {
    bare,
    stage: stage(vp9, vp9Probe, 'transcode'),
    transcode: encode('transcode'),
    remux: encode('copy'),
    remuxChecks: stage(h264, h264Probe, 'copy'),
  };
  type Name = keyof typeof contenders;
  const rounds: Array<Record<Name, { wall: number; cpu: number }>> = [];
  for (let r = 0; r < opts.repeats; r++) {
    const round = {} as Record<Name, { wall: number; cpu: number }>;
    // Alternate the order so neither side of a ratio always runs first.
    const names = Object.keys(contenders) as Name[];
    for (const name of r % 2 ? names.reverse() : names) round[name] = await measure(contenders[name]);
    rounds.push(round);
  }
  const ratio = (a: Name, b: Name, what: 'wall' | 'cpu') => median(rounds.map((x) => x[a][what] / x[b][what]));
  const seconds = (n: Name, what: 'wall' | 'cpu') => rounds.map((x) => x[n][what].toFixed(1)).join('/');
  const row = (label: string, a: Name, b: Name, target: string, digits: number): Row => [
    `${label} (median of ${opts.repeats} rounds)`,
    `wall ${seconds(a, 'wall')} s ÷ ${seconds(b, 'wall')} s; CPU ${seconds(a, 'cpu')} s ÷ ${seconds(b, 'cpu')} s`,
    `${ratio(a, b, 'wall').toFixed(digits)} (CPU ${ratio(a, b, 'cpu').toFixed(digits)})`,
    target,
  ];
  return [
    row('media stage with checks ÷ bare ffmpeg (60 s 720p VP9 → H.264, adapter only)', 'stage', 'bare', '≤ 1.15', 2),
    row('remux ÷ transcode (60 s 720p H.264/AAC)', 'remux', 'transcode', '≤ 0.10', 3),
    row('remux with checks ÷ transcode (60 s 720p H.264/AAC)', 'remuxChecks', 'transcode', '≤ 0.25', 3),
  ];
}
