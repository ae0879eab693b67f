import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPreparation } from '../../src/domain/media-plan.js';
import { planEncode } from '../../src/domain/media-rules.js';
import { createMediaAdapter, type MediaAdapter } from '../../src/media/ffmpeg.js';
import { ffprobeJson, makeFixture, mediaBinaries } from '../helpers/fixtures-media.js';

// The media stage with its checks off, as only the benchmark runs it (pipeline without checks ÷ bare ffmpeg): the
// same video, poster and thumbnail, no check results, and nothing decoded beyond what the encode needs.
const bins = mediaBinaries();
let dir: string;
let media: MediaAdapter;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vetted-nochecks-'));
  media = createMediaAdapter({ ffmpegPath: bins.ffmpeg, ffprobePath: bins.ffprobe, timeoutMs: 120_000 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function prepareWithout(kind: 'vp9' | 'h264') {
  const file = await makeFixture(kind, path.join(dir, `${kind}.src`), { seconds: 3 });
  const probe = await media.probe(file);
  const work = await mkdtemp(path.join(dir, 'work-'));
  const plan = planPreparation(probe, planEncode(probe, {}), null, { hasCaptions: false, checks: false });
  expect(plan.checks).toBe(false);
  return { work, plan, result: await media.prepareVideo(file, work, { probe, plan, maxOutputBytes: 1e9 }) };
}

describe('the media stage without its checks (benchmark only)', () => {
  it('transcodes with the poster and thumbnail from the same decode, and reports no checks', async () => {
    const { work, result } = await prepareWithout('vp9');
    expect(result.files).toEqual({ video: 'video.mp4', poster: 'poster.jpg', thumbnail: 'thumbnail.jpg' });
    expect((await readdir(work)).sort()).toEqual(['poster.jpg', 'thumbnail.jpg', 'video.mp4']);
    expect(result).toMatchObject({ flashing: null, loudness: null, scenes: [], notes: [] });
    // Length and size from the plan, so the published file is not probed again.
    expect(result.output).toMatchObject({ width: 320, height: 240 });
    expect(result.output!.durationSeconds).toBeCloseTo(3, 1);
    const streams = (await ffprobeJson(path.join(work, 'video.mp4'))).streams.map((s) => s.codec_name);
    expect(streams).toEqual(['h264', 'aac']);
  });

  it('copies a browser-ready video and takes its pictures from keyframes', async () => {
    const { work, plan, result } = await prepareWithout('h264');
    expect(plan.encode).toBe('copy');
    expect((await readdir(work)).sort()).toEqual(['poster.jpg', 'thumbnail.jpg', 'video.mp4']);
    expect(result).toMatchObject({ flashing: null, loudness: null, scenes: [] });
  });

  it('is on unless the caller says otherwise', async () => {
    const probe = await media.probe(await makeFixture('h264', path.join(dir, 'plain.mp4'), { seconds: 1 }));
    expect(planPreparation(probe, 'copy', null, { hasCaptions: false }).checks).toBe(true);
  });
});
