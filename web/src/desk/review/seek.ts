import { useEffect } from 'preact/hooks';

/**
 * "Go to this moment" from anywhere on the review page (a storyboard scene, a flagged flash, a flagged word) to
 * the player, which listens. Times are seconds of the copy on screen (the checks ran on the copy itself).
 */
const listeners = new Set<(seconds: number) => void>();

export function seekTo(seconds: number): void {
  for (const l of listeners) l(seconds);
}

export function useSeekTarget(onSeek: (seconds: number) => void): void {
  useEffect(() => {
    listeners.add(onSeek);
    return () => void listeners.delete(onSeek);
  }, [onSeek]);
}
