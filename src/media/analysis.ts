/**
 * Reads the checks' small frames as ffmpeg writes them (rgb24, fixed size, constant rate) and feeds the flash
 * analyser and the storyboard picker one frame at a time: memory stays at a few frames whatever the length.
 */
import { FlashAnalyser, type FlashResult } from '../domain/flashing.js';
import { ScenePicker, sceneScore } from '../domain/scenes.js';

export interface SceneFrame {
  startSeconds: number;
  rgb: Buffer;
}

export interface FrameAnalysis {
  /** Feeds a chunk of ffmpeg's stdout; frames may straddle chunks. */
  write(chunk: Buffer): void;
  finish(): { flashing: FlashResult | null; scenes: SceneFrame[]; frames: number };
}

export function frameAnalysis(size: { width: number; height: number; fps: number }, durationSeconds: number): FrameAnalysis {
  const frameBytes = size.width * size.height * 3;
  const flashes = new FlashAnalyser(size.width, size.height);
  const picker = new ScenePicker(durationSeconds);
  const scenes: SceneFrame[] = [];
  const frame = Buffer.alloc(frameBytes);
  let filled = 0;
  let index = 0;
  let prevMafd = 0;
  let broken = false;

  function onFrame() {
    const t = index / size.fps;
    // The flash analyser's pass over the frame also measures the luma difference the scene score is made of.
    const mafd = flashes.push(frame, t);
    let score = 0;
    if (index > 0) {
      score = sceneScore(mafd, prevMafd);
      prevMafd = mafd;
    }
    if (picker.consider(t, score)) scenes.push({ startSeconds: Math.round(t * 100) / 100, rgb: Buffer.from(frame) });
    index++;
  }

  return {
    write(chunk) {
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - offset);
        chunk.copy(frame, filled, offset, offset + n);
        filled += n;
        offset += n;
        if (filled === frameBytes) {
          filled = 0;
          if (broken) continue;
          try {
            onFrame();
          } catch {
            // A check that cannot run gives no answer (null), never a wrong one, and never fails the item.
            broken = true;
          }
        }
      }
    },
    finish() {
      if (broken || index === 0) return { flashing: null, scenes: [], frames: index };
      return { flashing: flashes.result(), scenes, frames: index };
    },
  };
}
