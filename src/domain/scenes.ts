/**
 * Storyboard points: where the picture changes (a cut), so a teacher can skim a long video and see which minutes
 * to watch closely. Scores follow ffmpeg's own `scene` measure (mean absolute luma difference against the previous
 * frame, less the previous difference, so steady motion does not count as a cut), computed on the small frames the
 * flash analysis already decodes. At most 60 points; at least one every 30 s (or every 1/60 of a long video) so a
 * static video still has points to jump to.
 */
export const MAX_SCENES = 60;
export const SCENE_THRESHOLD = 0.3;
const MAX_GAP_SECONDS = 30;
const MIN_GAP_SECONDS = 2;

/** ffmpeg's scene score from this frame's and the previous frame's mean difference, 0–1. */
export function sceneScore(mafd: number, previousMafd: number): number {
  return Math.max(0, Math.min(1, Math.min(mafd, Math.abs(mafd - previousMafd)) / 100));
}

/** Decides frame by frame whether a frame starts a storyboard point. */
export class ScenePicker {
  private last = Number.NEGATIVE_INFINITY;
  private count = 0;
  private readonly minGap: number;
  private readonly maxGap: number;

  constructor(durationSeconds: number) {
    const share = Number.isFinite(durationSeconds) && durationSeconds > 0 ? durationSeconds / MAX_SCENES : 0;
    this.minGap = Math.max(MIN_GAP_SECONDS, share);
    // A video longer than 30 minutes cannot have a point every 30 s within 60 points: spread them evenly instead.
    this.maxGap = Math.max(MAX_GAP_SECONDS, share * 1.5);
  }

  get picked(): number {
    return this.count;
  }

  /** True when the frame at `t` (with its scene score) should be a point. The first frame always is. */
  consider(t: number, score: number): boolean {
    if (this.count >= MAX_SCENES) return false;
    const since = t - this.last;
    const take = this.count === 0 || (score > SCENE_THRESHOLD && since >= this.minGap) || since >= this.maxGap;
    if (!take) return false;
    this.last = t;
    this.count++;
    return true;
  }
}
