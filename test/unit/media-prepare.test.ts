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

type Kind = 'measure' | 'main' | 'plain' | 'storyboard' | 'other';
const kindOf = (args: string[]): Kind =>
  args.includes('-af') ? 'measure' : args.includes('pipe:1') ? 'main' : args.includes('pipe:0') ? 'storyboard' : args.includes('-fs') ? 'plain' : 'other';

/** A fake ffmpeg: each kind of run succeeds with `log` (and grey frames on stdout for the main run), or fails. */
function fakeDeps(behaviour: Partial<Record<Kind, 'fail' | string>>, frames: number) {
  const ran: Kind[] = [];
  const deps: PrepareDeps = {
    timeoutMs: 10_000,
    checkOutput: async () => {},
    thumbnails: async () => ({}),
    runner: {
      async run(spec: RunSpec) {
        const kind = kindOf(spec.args);
        ran.push(kind);
        const b = behaviour[kind] ?? '';
        if (b === 'fail') throw new RunError({ kind: 'failed', stderrTail: 'boom' });
        if (kind === 'main') for (let i = 0; i < frames; i++) spec.onStdout?.(Buffer.alloc(160 * 90 * 3, 128));
        return b;
      },
    },
  };
  return { deps, ran };
}

const plan = (encode: 'copy' | 'transcode') => planPreparation(probe, encode, null, { hasCaptions: false });

describe('a check that cannot run', () => {
  it('a sound that cannot be measured leaves loudness null; the picture is still analysed', async () => {
    const { deps, ran } = fakeDeps({ measure: 'fail' }, 10);
    const r = await prepareVideo(deps, src, await mkdtemp(path.join(dir, 'w-')), { probe, plan: plan('copy'), maxOutputBytes: 1e9 });
    expect(ran.slice(0, 2)).toEqual(['measure', 'main']);
    expect(r.loudness).toBeNull();
    expect(r.flashing).toEqual({ verdict: 'pass', moments: [] });
    expect(r.output?.durationSeconds).toBe(2);
    expect(r.notes).toContain('loudness: the sound could not be measured');
  });

  for (const encode of ['copy', 'transcode'] as const) {
    it(`a failed ${encode} run with the checks falls back to the plain ${encode}: checks null, the item prepared`, async () => {
      const { deps, ran } = fakeDeps({ measure: SUMMARY, main: 'fail' }, 0);
      const r = await prepareVideo(deps, src, await mkdtemp(path.join(dir, 'w-')), { probe, plan: plan(encode), maxOutputBytes: 1e9 });
      expect(ran.slice(0, 3)).toEqual(['measure', 'main', 'plain']);
      expect(r).toMatchObject({ flashing: null, loudness: null, scenes: [], output: null, files: { video: 'video.mp4' } });
      expect(r.notes).toContain('checks: the combined run failed; prepared without them');
    });
  }

  it('a failed plain run is the video’s own problem: the item fails with the media error', async () => {
    const { deps } = fakeDeps({ measure: SUMMARY, main: 'fail', plain: 'fail' }, 0);
    await expect(prepareVideo(deps, src, await mkdtemp(path.join(dir, 'w-')), { probe, plan: plan('copy'), maxOutputBytes: 1e9 })).rejects.toMatchObject({
      code: 'media_encode_failed',
    });
  });

  it('a storyboard that cannot be written leaves no scenes, and the rest stands', async () => {
    const { deps } = fakeDeps({ measure: SUMMARY, main: SUMMARY.replace('-30.0', '-16.0'), storyboard: 'fail' }, 10);
    const r = await prepareVideo(deps, src, await mkdtemp(path.join(dir, 'w-')), { probe, plan: plan('copy'), maxOutputBytes: 1e9 });
    expect(r.scenes).toEqual([]);
    expect(r.files.storyboard).toBeUndefined();
    expect(r.flashing?.verdict).toBe('pass');
    // Measured at −30 LUFS, raised by a gain, measured again on the way out.
    expect(r.loudness).toEqual({ inputLufs: -30, outputLufs: -16, truePeakDb: -20 });
    expect(r.notes).toContain('storyboard: the images could not be written');
  });
});
