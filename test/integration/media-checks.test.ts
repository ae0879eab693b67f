import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPreparation } from '../../src/domain/media-plan.js';
import { clipWindow, planEncode } from '../../src/domain/media-rules.js';
import { createMediaAdapter, type MediaAdapter } from '../../src/media/ffmpeg.js';
import { ffmpeg, mediaBinaries } from '../helpers/fixtures-media.js';

// The vetting checks on real ffmpeg runs, against videos generated here with lavfi: flashing verdicts, loudness
// measured again by an independent `ebur128` run on the published file, storyboard, embedded subtitles, bad input.
const run = promisify(execFile);
const bins = mediaBinaries();
let dir: string;
let media: MediaAdapter;

/** A video from a lavfi picture expression, H.264 (copy path) unless `vp9`, with an optional tone. */
async function make(name: string, picture: string, o: { seconds?: number; tone?: string | null; vp9?: boolean; extra?: string[] } = {}) {
  const out = path.join(dir, name);
  const seconds = String(o.seconds ?? 4);
  const tone = o.tone === undefined ? 'sine=frequency=440:sample_rate=48000' : o.tone;
  await ffmpeg([
    '-f', 'lavfi', '-i', picture,
    ...(tone ? ['-f', 'lavfi', '-i', tone] : []),
    '-t', seconds, '-map', '0:v', ...(tone ? ['-map', '1:a'] : []),
    ...(o.vp9
      ? ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', ...(tone ? ['-c:a', 'libopus'] : [])]
      : ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', ...(tone ? ['-c:a', 'aac'] : [])]),
    ...(o.extra ?? []),
    out,
  ]);
  return out;
}

async function prepare(file: string, clip: { startSeconds?: number; endSeconds?: number } = {}) {
  const probe = await media.probe(file);
  const wants = clip.startSeconds !== undefined || clip.endSeconds !== undefined;
  const window = wants ? clipWindow(probe, clip) : null;
  const work = await mkdtemp(path.join(dir, 'work-'));
  const plan = planPreparation(probe, planEncode(probe, clip), window, { hasCaptions: false });
  const result = await media.prepareVideo(file, work, { probe, plan, maxOutputBytes: 1e9 });
  return { ...result, work, plan };
}

/** The independent measurement: ffmpeg's ebur128 filter on the published file. */
async function ebur128(file: string) {
  const { stderr } = await run(bins.ffmpeg, ['-nostdin', '-hide_banner', '-nostats', '-i', file, '-map', '0:a:0', '-af', 'ebur128=peak=true:framelog=verbose', '-f', 'null', '-']);
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  return {
    integrated: Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)![1]),
    truePeak: Number(/Peak:\s+(-?[\d.]+) dBFS/.exec(summary)![1]),
  };
}

const SIZE = 's=320x180:r=30';

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vetted-checks-'));
  media = createMediaAdapter({ ffmpegPath: bins.ffmpeg, ffprobePath: bins.ffprobe, timeoutMs: 120_000 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('flashing images', () => {
  it('fails full-frame black/white flashing at 5 a second, with the moment', async () => {
    const f = await make('full.mp4', `color=c=black:${SIZE},geq=lum='if(lt(mod(T\\,0.2)\\,0.1)\\,16\\,235)':cb=128:cr=128`);
    const r = await prepare(f);
    expect(r.flashing?.verdict).toBe('fail');
    const m = r.flashing!.moments[0]!;
    expect(m).toMatchObject({ kind: 'luminance' });
    expect(m.startSeconds).toBeLessThan(0.5);
    expect(m.endSeconds).toBeGreaterThan(3);
    expect(m.flashesPerSecond).toBeGreaterThan(3);
  });

  it('passes the same flashing in a small corner', async () => {
    const f = await make('corner.mp4', `color=c=black:${SIZE},drawbox=x=0:y=0:w=60:h=40:color=white:t=fill:enable='lt(mod(t\\,0.2)\\,0.1)'`);
    expect((await prepare(f)).flashing).toEqual({ verdict: 'pass', moments: [] });
  });

  it('passes low-contrast flicker', async () => {
    const f = await make('flicker.mp4', `color=c=black:${SIZE},geq=lum='if(lt(mod(T\\,0.2)\\,0.1)\\,120\\,130)':cb=128:cr=128`);
    expect((await prepare(f)).flashing?.verdict).toBe('pass');
  });

  it('fails saturated red flashing and reports it as red', async () => {
    const f = await make('red.mp4', `color=c=0x300000:${SIZE},drawbox=x=0:y=0:w=iw:h=ih:color=red:t=fill:enable='lt(mod(t\\,0.2)\\,0.1)'`);
    const r = await prepare(f);
    expect(r.flashing?.verdict).toBe('fail');
    expect(r.flashing!.moments.some((m) => m.kind === 'red')).toBe(true);
  });

  it('warns for 2.5 flashes a second sustained over 6 seconds', async () => {
    const f = await make('warn.mp4', `color=c=black:${SIZE},geq=lum='if(lt(mod(T\\,0.4)\\,0.2)\\,16\\,235)':cb=128:cr=128`, { seconds: 6 });
    const r = await prepare(f);
    expect(r.flashing?.verdict).toBe('warning');
    expect(r.flashing!.moments[0]!.flashesPerSecond).toBeGreaterThanOrEqual(2);
  });

  it('passes normal footage, transcoded (VP9) in the same decode as the encode', async () => {
    // An odd size, so the size rule's rounding is tested against ffmpeg's own.
    const f = await make('normal.webm', `testsrc2=s=333x187:r=30`, { vp9: true, extra: ['-pix_fmt', 'yuv420p'] });
    const r = await prepare(f);
    expect(r.plan.encode).toBe('transcode');
    expect(r.flashing?.verdict).toBe('pass');
    // Length and size known without probing the output again: the same as ffprobe reads them.
    const out = await media.probe(path.join(r.work, 'video.mp4'));
    expect(r.output).toMatchObject({ width: out.video!.width, height: out.video!.height });
    expect(Math.abs(r.output!.durationSeconds - out.durationSeconds)).toBeLessThan(0.1);
    // The poster and thumbnail came from the same run.
    expect((await readdir(r.work)).sort()).toEqual(expect.arrayContaining(['poster.jpg', 'thumbnail.jpg', 'video.mp4', 'storyboard.jpg']));
  });
});

describe('even loudness', () => {
  it('raises a quiet transcoded clip to −16 LUFS within 1 LU with the true peak at or under −1 dBTP', async () => {
    const f = await make('quiet.webm', `testsrc2=${SIZE}`, { vp9: true, tone: 'sine=frequency=440:sample_rate=48000,volume=-10dB', seconds: 5 });
    const r = await prepare(f);
    const measured = await ebur128(path.join(r.work, 'video.mp4'));
    expect(Math.abs(measured.integrated - -16)).toBeLessThanOrEqual(1);
    expect(measured.truePeak).toBeLessThanOrEqual(-1);
    expect(r.loudness!.inputLufs).toBeLessThan(-28);
    expect(Math.abs(r.loudness!.outputLufs - measured.integrated)).toBeLessThan(0.6);
  });

  it('a loud remuxed H.264 clip keeps its video copied and re-encodes only the sound', async () => {
    const f = await make('loud.mp4', `testsrc2=${SIZE}`, { tone: 'sine=frequency=440:sample_rate=48000,volume=8dB', seconds: 5 });
    const r = await prepare(f);
    expect(r.plan.encode).toBe('copy');
    const out = path.join(r.work, 'video.mp4');
    const measured = await ebur128(out);
    expect(Math.abs(measured.integrated - -16)).toBeLessThanOrEqual(1);
    expect(measured.truePeak).toBeLessThanOrEqual(-1);
    // The picture is the source's own packets: same size of video stream.
    const videoBytes = async (file: string) => {
      const { stdout } = await run(bins.ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=size', '-of', 'csv=p=0', file]);
      return stdout.split('\n').filter(Boolean).reduce((a, b) => a + Number(b), 0);
    };
    expect(await videoBytes(out)).toBe(await videoBytes(f));
  });

  it('measures a remuxed mono track as mono: a level within the target but a peak over −1 dBTP is not copied as it is', async () => {
    // −16.8 LUFS with clicks peaking at −0.7 dBTP as mono; upmixed to stereo (each channel 3 dB down) the same track
    // read −3.7 dBTP, so it used to be copied untouched with its peak over the limit.
    const tone = "aevalsrc='0.22*sin(2*PI*440*t)+if(lt(mod(t\\,1)\\,0.0001)\\,0.75\\,0)':s=48000";
    const f = await make('mono-peaks.mp4', `testsrc2=${SIZE}`, { tone, seconds: 6 });
    const source = await ebur128(f);
    expect(Math.abs(source.integrated - -16)).toBeLessThanOrEqual(1);
    expect(source.truePeak).toBeGreaterThan(-1);
    const r = await prepare(f);
    expect(r.plan).toMatchObject({ encode: 'copy', soundLayout: 'mono' });
    expect(Math.abs(r.loudness!.inputLufs - source.integrated)).toBeLessThan(0.3);
    const out = path.join(r.work, 'video.mp4');
    const measured = await ebur128(out);
    expect(measured.truePeak).toBeLessThanOrEqual(-1);
    expect(Math.abs(measured.integrated - -16)).toBeLessThanOrEqual(1);
    expect(Math.abs(r.loudness!.truePeakDb - measured.truePeak)).toBeLessThan(0.6);
    const { stdout } = await run(bins.ffprobe, ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=channels', '-of', 'csv=p=0', out]);
    expect(stdout.trim()).toBe('1');
  });

  it('copies a remuxed mono track within the target as it is, its level measured as mono', async () => {
    const f = await make('mono-even.mp4', `testsrc2=${SIZE}`, { tone: 'sine=frequency=440:sample_rate=48000,volume=5.5dB', seconds: 5 });
    const source = await ebur128(f);
    expect(Math.abs(source.integrated - -16)).toBeLessThanOrEqual(1);
    const r = await prepare(f);
    const measured = await ebur128(path.join(r.work, 'video.mp4'));
    // Copied: the published sound is the source's, and the check reports what an independent run measures on it.
    expect(measured).toEqual(source);
    expect(r.loudness!.outputLufs).toBeCloseTo(measured.integrated, 1);
    expect(r.loudness!.truePeakDb).toBeCloseTo(measured.truePeak, 1);
  });

  it('holds the peaks of a quiet clip with loud clicks under −1 dBTP (loudnorm\'s limiter, not a plain gain)', async () => {
    // A quiet tone with a short near-full-scale click every second: the 13 dB it needs would push the clicks far over.
    const tone = "aevalsrc='0.05*sin(2*PI*440*t)+if(lt(mod(t\\,1)\\,0.0001)\\,0.9\\,0)':s=48000";
    const f = await make('clicks.mp4', `testsrc2=${SIZE}`, { tone, seconds: 8 });
    const r = await prepare(f);
    const measured = await ebur128(path.join(r.work, 'video.mp4'));
    expect(r.loudness!.inputLufs).toBeLessThan(-27);
    expect(measured.truePeak).toBeLessThanOrEqual(-1);
    expect(Math.abs(measured.integrated - -16)).toBeLessThanOrEqual(1);
  });

  it('never boosts a near-silent clip by more than 20 dB', async () => {
    const f = await make('hush.webm', `testsrc2=${SIZE}`, { vp9: true, tone: 'sine=frequency=440:sample_rate=48000,volume=-40dB', seconds: 5 });
    const r = await prepare(f);
    expect(r.loudness!.outputLufs - r.loudness!.inputLufs).toBeLessThanOrEqual(20.5);
    expect(r.loudness!.outputLufs).toBeLessThan(-38);
    expect((await ebur128(path.join(r.work, 'video.mp4'))).integrated).toBeLessThan(-38);
  });

  it('is null without audio and for a silent track', async () => {
    expect((await prepare(await make('mute.mp4', `testsrc2=${SIZE}`, { tone: null }))).loudness).toBeNull();
    const silent = await prepare(await make('silent.mp4', `testsrc2=${SIZE}`, { tone: 'anullsrc=r=48000:cl=stereo' }));
    expect(silent.loudness).toBeNull();
    expect(silent.flashing?.verdict).toBe('pass');
  });
});

describe('the picture run and the sound run', () => {
  /** Each stream's first timestamp, as ffprobe reads it. */
  async function starts(file: string) {
    const { stdout } = await run(bins.ffprobe, ['-v', 'error', '-show_entries', 'stream=codec_type,start_time', '-of', 'csv=p=0', file]);
    const rows = stdout.trim().split('\n').map((l) => l.split(','));
    const at = (kind: string) => Number(rows.find((r) => r[0] === kind)![1]);
    return { video: at('video'), audio: at('audio') };
  }

  it('keeps a sound that starts after the picture where it was, copied, re-encoded or transcoded, and leaves no halves behind', async () => {
    // The sound starts half a second after the picture, as in a clip cut from a longer recording.
    const late = async (name: string, level: string, video: string[]) => {
      const f = path.join(dir, name);
      await ffmpeg([
        '-f', 'lavfi', '-i', `testsrc2=${SIZE}`, '-itsoffset', '0.5', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000,volume=${level}`,
        '-t', '4', '-map', '0:v', '-map', '1:a', ...video, f,
      ]);
      return f;
    };
    const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'];
    const cases = [
      // Copied with its sound re-encoded for the gain; copied with its sound as it came; transcoded.
      { file: await late('late-loud.mp4', '8dB', h264), encode: 'copy', reencoded: true },
      { file: await late('late-even.mp4', '5.5dB', h264), encode: 'copy', reencoded: false },
      { file: await late('late.webm', '0dB', ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus']), encode: 'transcode', reencoded: true },
    ];
    for (const c of cases) {
      const source = await starts(c.file);
      const r = await prepare(c.file);
      expect(r.plan.encode).toBe(c.encode);
      const out = path.join(r.work, 'video.mp4');
      const published = await starts(out);
      expect(Math.abs(published.audio - published.video - (source.audio - source.video))).toBeLessThan(0.05);
      expect(r.loudness!.outputLufs === r.loudness!.inputLufs).toBe(!c.reencoded);
      expect(Math.abs((await ebur128(out)).integrated - -16)).toBeLessThanOrEqual(1);
      // The two runs' halves are joined and gone: only what is published stays in the work folder.
      expect((await readdir(r.work)).filter((n) => n.includes('.part.'))).toEqual([]);
    }
  });
});

describe('storyboard', () => {
  it('finds the cuts of a video made of scenes, with a picture each and a sprite', async () => {
    // Four 3-second scenes of different pictures.
    const parts = ['testsrc2', 'smptebars', 'rgbtestsrc', 'mandelbrot'];
    const files: string[] = [];
    for (const [i, src] of parts.entries()) files.push(await make(`part${i}.mp4`, `${src}=${SIZE}`, { seconds: 3, tone: null }));
    const list = path.join(dir, 'parts.txt');
    await writeFile(list, files.map((f) => `file '${f}'`).join('\n'));
    const joined = path.join(dir, 'scenes.mp4');
    await ffmpeg(['-f', 'concat', '-safe', '0', '-i', list, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', joined]);
    const r = await prepare(joined);
    const starts = r.scenes.map((s) => s.startSeconds);
    expect(starts[0]).toBe(0);
    for (const cut of [3, 6, 9]) expect(starts.some((t) => Math.abs(t - cut) < 0.2)).toBe(true);
    expect(r.files.storyboard).toBe('storyboard.jpg');
    for (const s of r.scenes) expect((await readFile(path.join(r.work, s.file))).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('gives a static video a point at least every 30 seconds', async () => {
    const r = await prepare(await make('still.mp4', `color=c=gray:s=160x90:r=5`, { seconds: 70, tone: null }));
    expect(r.scenes.map((s) => s.startSeconds)).toEqual([0, 30, 60]);
  });
});

describe('embedded captions and awkward input', () => {
  it('turns a SubRip track into WebVTT captions, cut with the clip', async () => {
    const srt = path.join(dir, 'subs.srt');
    await writeFile(srt, '1\n00:00:01,000 --> 00:00:02,000\nHello class\n\n2\n00:00:03,000 --> 00:00:04,000\nWhat the fuck\n');
    const f = path.join(dir, 'subs.mkv');
    await ffmpeg(['-f', 'lavfi', '-i', `testsrc2=${SIZE}`, '-i', srt, '-t', '5', '-map', '0:v', '-map', '1:s', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:s', 'srt', f]);
    const r = await prepare(f, { startSeconds: 2 });
    expect(r.files.captions).toBe('captions.vtt');
    const vtt = await readFile(path.join(r.work, 'captions.vtt'), 'utf8');
    expect(vtt).toMatch(/^WEBVTT/);
    expect(vtt).toContain('What the fuck');
    expect(vtt).toMatch(/00:01\.000 --> (00:)?00:02\.000/);
    expect(vtt).not.toContain('Hello class');
  });

  it('a one-frame video gets a pass, a poster and one scene', async () => {
    const r = await prepare(await make('one.mp4', `testsrc2=${SIZE}`, { tone: null, extra: ['-frames:v', '1'] }));
    expect(r.flashing?.verdict).toBe('pass');
    expect(r.scenes).toHaveLength(1);
    expect((await readdir(r.work))).toEqual(expect.arrayContaining(['poster.jpg', 'thumbnail.jpg']));
  });

  it('analyses a variable-frame-rate video at a constant rate, times intact', async () => {
    const f = await make('vfr.mkv', `color=c=black:${SIZE},geq=lum='if(lt(mod(T\\,0.2)\\,0.1)\\,16\\,235)':cb=128:cr=128`, {
      tone: null,
      extra: ['-vf', "select='not(eq(mod(n\\,7)\\,3))',setpts=N/(30*TB)+0.01*sin(N)/TB", '-fps_mode', 'vfr'],
    });
    const r = await prepare(f);
    expect(r.flashing?.verdict).toBe('fail');
  });

  it('broken subtitle timing leaves the item without captions, not failed', async () => {
    const srt = path.join(dir, 'bad.srt');
    await writeFile(srt, '1\n00:00:03,000 --> 00:00:01,000\n<i>Hello <b>class\n\n2\nnonsense\n');
    const f = path.join(dir, 'badsubs.mkv');
    await ffmpeg(['-f', 'lavfi', '-i', `testsrc2=${SIZE}`, '-i', srt, '-t', '3', '-map', '0:v', '-map', '1:s', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:s', 'srt', f]);
    const r = await prepare(f);
    expect(r.files.video).toBe('video.mp4');
    expect(r.flashing?.verdict).toBe('pass');
  });
});

describe('flat memory', () => {
  it('analyses a three-hour video as a stream: memory stays flat', async () => {
    // Three hours at one frame every two seconds, 32×18, stream-copied: made and decoded in seconds, yet it yields
    // 5,400 analysis frames of 160×90 (233 MB if they were held anywhere on the way).
    const f = await make('three-hours.mp4', 'testsrc2=s=32x18:r=1/2', { seconds: 10_800, tone: null });
    const before = process.memoryUsage.rss();
    let peak = before;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
    const r = await prepare(f).finally(() => clearInterval(sample));
    peak = Math.max(peak, process.memoryUsage.rss());
    expect(r.plan.encode).toBe('copy');
    // Every frame was analysed: the published length comes from the frames counted.
    expect(r.output?.durationSeconds).toBe(10_800);
    expect(r.flashing?.verdict).toBe('pass');
    // At most 60 points, spread over the whole length (no gap over 1.5 × 1/60 of it).
    const starts = r.scenes.map((s) => s.startSeconds);
    expect(starts.length).toBeLessThanOrEqual(60);
    expect(Math.max(...starts.map((t, i) => (starts[i + 1] ?? 10_800) - t))).toBeLessThanOrEqual(270);
    expect(peak - before).toBeLessThan(120 * 1024 * 1024);
  }, 180_000);
});
