import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPreparation } from '../../src/domain/media-plan.js';
import type { ProbeResult } from '../../src/domain/media-rules.js';
import { prepareVideo, type PrepareDeps } from '../../src/media/prepare.js';
import { RunError, type RunSpec } from '../../src/media/runner.js';

// What the media stage does when a check cannot run, with a fake runner standing in for ffmpeg (the real runs are
// in test/integration/media-checks.test.ts): the item is still prepared, and the check is null, never wrong.

const probe: ProbeResult = {
  formatName: 'mov,mp4',
  durationSeconds: 2,
  sizeBytes: 1,
  streamCount: 2,
  video: { codec: 'h264', pixFmt: 'yuv420p', width: 320, height: 180, rotation: 0, frameRate: 5 },
  audio: { codec: 'aac', channels: 2, sampleRate: 48000 },
};
const SUMMARY =
  'Summary:\n\n  Integrated loudness:\n    I:         -30.0 LUFS\n    Threshold: -40.0 LUFS\n\n  Loudness range:\n    LRA:         1.0 LU\n' +
  '\n  True peak:\n    Peak:      -20.0 dBFS\n';

let dir: string;
let src: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vetted-prepare-'));
  src = path.join(dir, 'source.mp4');
  await writeFile(src, 'not really a video: the runner is fake');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

type Kind = 'measure' | 'sound' | 'picture' | 'mux' | 'plain' | 'storyboard' | 'other';
const kindOf = (args: string[]): Kind =>
  args.includes('-af')
    ? args.includes('null') ? 'measure' : 'sound'
    : args.includes('pipe:1') ? 'picture'
      : args.includes('pipe:0') ? 'storyboard'
        : args.includes('-copyts') ? 'mux'
          : args.includes('-fs') ? 'plain' : 'other';

type Behaviour = 'fail' | 'timeout' | 'hang' | string;

/**
 * A fake ffmpeg: each kind of run succeeds with `log` (and grey frames on stdout for the picture run), fails, times
 * out, or hangs until it is stopped (then it is reported as aborted, as the real runner does).
 */
function fakeDeps(behaviour: Partial<Record<Kind, Behaviour>>, frames: number) {
  const ran: Kind[] = [];
  const stopped: Kind[] = [];
  const deps: PrepareDeps = {
    timeoutMs: 10_000,
    checkOutput: async () => {},
    thumbnails: async () => ({}),
    runner: {
      async run(spec: RunSpec) {
        const kind = kindOf(spec.args);
        ran.push(kind);
        const b = behaviour[kind] ?? '';
        await new Promise((r) => setTimeout(r, 5));
        if (b === 'fail') throw new RunError({ kind: 'failed', stderrTail: 'boom' });
        if (b === 'timeout') throw new RunError({ kind: 'timeout' });
        if (b === 'hang') {
          if (!spec.signal?.aborted) await new Promise((r) => spec.signal?.addEventListener('abort', r, { once: true }));
          stopped.push(kind);
          throw new RunError({ kind: 'abort', error: new Error('stopped') });
        }
        if (kind === 'picture') for (let i = 0; i < frames; i++) spec.onStdout?.(Buffer.alloc(160 * 90 * 3, 128));
        return b;
      },
    },
  };
  return { deps, ran, stopped };
}

const plan = (encode: 'copy' | 'transcode') => planPreparation(probe, encode, null, { hasCaptions: false });
const prepare = async (deps: PrepareDeps, encode: 'copy' | 'transcode') =>
  prepareVideo(deps, src, await mkdtemp(path.join(dir, 'w-')), { probe, plan: plan(encode), maxOutputBytes: 1e9 });
/** A measurement at `lufs` with its true peak at `peak`. */
const summary = (lufs: string, peak: string) => SUMMARY.replace('-30.0', lufs).replace('-20.0', peak);

describe('the picture run and the sound run', () => {
  it('a quiet copy: measured, its sound re-encoded with a plain gain whose result is known, joined to the copied picture', async () => {
    const { deps, ran } = fakeDeps({ measure: SUMMARY }, 10);
    const r = await prepare(deps, 'copy');
    expect(ran).toEqual(expect.arrayContaining(['picture', 'measure', 'sound', 'mux', 'storyboard']));
    expect(ran.indexOf('sound')).toBeGreaterThan(ran.indexOf('measure'));
    // −30 LUFS raised by 14 dB: the level and the peak move by exactly that, without a second measurement.
    expect(r.loudness).toEqual({ inputLufs: -30, outputLufs: -16, truePeakDb: -6 });
  });

  it('a copy within the target keeps the sound it copied: no sound encode', async () => {
    const { deps, ran } = fakeDeps({ measure: summary('-16.2', '-4.0') }, 10);
    const r = await prepare(deps, 'copy');
    expect(ran).not.toContain('sound');
    expect(ran).toContain('mux');
    expect(r.loudness).toEqual({ inputLufs: -16.2, outputLufs: -16.2, truePeakDb: -4 });
  });

  it('loudnorm\'s limiter reshapes the peaks: its result is measured in the sound run', async () => {
    const { deps } = fakeDeps({ measure: summary('-30.0', '-3.0'), sound: summary('-16.4', '-1.6') }, 10);
    expect((await prepare(deps, 'transcode')).loudness).toEqual({ inputLufs: -30, outputLufs: -16.4, truePeakDb: -1.6 });
  });

  it('a timeout of the picture run stops the sound run and fails the item with the timeout', async () => {
    const { deps, stopped } = fakeDeps({ picture: 'timeout', measure: 'hang' }, 0);
    await expect(prepare(deps, 'copy')).rejects.toMatchObject({ code: 'media_timeout' });
    expect(stopped).toEqual(['measure']);
  });

  it('the job being stopped stops both runs', async () => {
    const { deps, stopped } = fakeDeps({ picture: 'hang', measure: 'hang' }, 0);
    const stop = new AbortController();
    const prepared = prepareVideo(deps, src, await mkdtemp(path.join(dir, 'w-')), { probe, plan: plan('copy'), maxOutputBytes: 1e9, signal: stop.signal });
    setTimeout(() => stop.abort(new Error('job stopped')), 30);
    await expect(prepared).rejects.toThrow();
    expect(stopped.sort()).toEqual(['measure', 'picture']);
  });
});

describe('a check that cannot run', () => {
  it('a sound that cannot be measured leaves loudness null; the picture is still analysed', async () => {
    const { deps, ran } = fakeDeps({ measure: 'fail' }, 10);
    const r = await prepare(deps, 'copy');
    expect(ran).toEqual(expect.arrayContaining(['measure', 'picture', 'mux']));
    expect(r.loudness).toBeNull();
    expect(r.flashing).toEqual({ verdict: 'pass', moments: [] });
    expect(r.output?.durationSeconds).toBe(2);
    expect(r.notes).toContain('loudness: the sound could not be measured');
  });

  it('a copy whose sound cannot be re-encoded publishes the sound it copied, measured as it is', async () => {
    const { deps } = fakeDeps({ measure: SUMMARY, sound: 'fail' }, 10);
    const r = await prepare(deps, 'copy');
    expect(r.loudness).toEqual({ inputLufs: -30, outputLufs: -30, truePeakDb: -20 });
    expect(r.flashing?.verdict).toBe('pass');
    expect(r.notes).toContain('loudness: the sound could not be encoded with its gain');
  });

  it('a transcode whose sound cannot be encoded has none to fall back on: prepared without the checks', async () => {
    const { deps, ran } = fakeDeps({ measure: SUMMARY, sound: 'fail' }, 10);
    const r = await prepare(deps, 'transcode');
    expect(ran.filter((k) => k === 'picture')).toHaveLength(1);
    expect(ran).toContain('plain');
    expect(r).toMatchObject({ flashing: null, loudness: null, scenes: [] });
    expect(r.notes).toContain('checks: the run with the checks failed; prepared without them');
  });

  for (const encode of ['copy', 'transcode'] as const) {
    it(`a failed ${encode} picture run falls back to the plain ${encode}: checks null, the item prepared`, async () => {
      const { deps, ran } = fakeDeps({ measure: SUMMARY, picture: 'fail' }, 0);
      const r = await prepare(deps, encode);
      // The copy falls back to the plain copy; the transcode to one run with its sound and its pictures, and no frames.
      expect(ran).toContain('plain');
      expect(ran.filter((k) => k === 'picture')).toHaveLength(1);
      expect(ran).not.toContain('mux');
      expect(r).toMatchObject({ flashing: null, loudness: null, scenes: [], output: null, files: { video: 'video.mp4' } });
      expect(r.notes).toContain('checks: the run with the checks failed; prepared without them');
    });
  }

  it('a failed plain run is the video’s own problem: the item fails with the media error', async () => {
    const { deps } = fakeDeps({ measure: SUMMARY, picture: 'fail', plain: 'fail' }, 0);
    await expect(prepare(deps, 'copy')).rejects.toMatchObject({ code: 'media_encode_failed' });
  });

  it('a storyboard that cannot be written leaves no scenes, and the rest stands', async () => {
    const { deps } = fakeDeps({ measure: SUMMARY, storyboard: 'fail' }, 10);
    const r = await prepare(deps, 'copy');
    expect(r.scenes).toEqual([]);
    expect(r.files.storyboard).toBeUndefined();
    expect(r.flashing?.verdict).toBe('pass');
    expect(r.loudness).toEqual({ inputLufs: -30, outputLufs: -16, truePeakDb: -6 });
    expect(r.notes).toContain('storyboard: the images could not be written');
  });
});
