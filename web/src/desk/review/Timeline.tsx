import { useRef } from 'preact/hooks';
import { clock } from '../../shared/words';
import type { Range } from './watching';

interface Props {
  /** Length of the copy on screen, in seconds. */
  length: number;
  /** Where the copy starts in the original (the copy's 0:00), in seconds. */
  base: number;
  /** What this reviewer has watched, in seconds of the copy. */
  seen: Range[];
  /** Where the player is, in seconds of the copy. */
  now: number;
  /** The clip marks, in seconds of the original; handles only when the clip can be changed. */
  trim?: { start: number; end: number; onStart(s: number): void; onEnd(s: number): void; onScrub(copySeconds: number): void };
}

const pct = (v: number, length: number) => `${Math.max(0, Math.min(100, (v / length) * 100))}%`;

/**
 * The copy's timeline: what has been watched (shaded), where the player is, and — when the clip can be
 * changed — two handles to drag (or move with the arrow keys) that set the start and end; the player
 * jumps to a handle while it moves, so the teacher sees the cut before it is made.
 */
export function Timeline({ length, base, seen, now, trim }: Props) {
  const track = useRef<HTMLDivElement>(null);
  if (!(length > 0)) return null;

  const at = (clientX: number) => {
    const r = track.current!.getBoundingClientRect();
    return Math.max(0, Math.min(1, (clientX - r.left) / r.width)) * length;
  };

  const handle = (which: 'start' | 'end') => {
    if (!trim) return null;
    const value = (which === 'start' ? trim.start : trim.end) - base;
    const set = (copySeconds: number) => {
      const min = which === 'start' ? 0 : trim.start - base + 1;
      const max = which === 'start' ? trim.end - base - 1 : length;
      const v = Math.round(Math.max(min, Math.min(max, copySeconds)) * 10) / 10;
      (which === 'start' ? trim.onStart : trim.onEnd)(base + v);
      trim.onScrub(v);
    };
    return (
      <div
        class={`timeline-handle timeline-handle-${which}`}
        style={{ left: pct(value, length) }}
        role="slider"
        tabIndex={0}
        aria-label={which === 'start' ? 'Start of the clip' : 'End of the clip'}
        aria-valuemin={0}
        aria-valuemax={Math.round(base + length)}
        aria-valuenow={Math.round(base + value)}
        aria-valuetext={clock(base + value)}
        data-testid={`trim-${which}`}
        onPointerDown={(e) => {
          e.preventDefault();
          (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => {
          if ((e.currentTarget as HTMLElement).hasPointerCapture(e.pointerId)) set(at(e.clientX));
        }}
        onKeyDown={(e) => {
          const step = e.shiftKey ? 5 : 1;
          if (e.key === 'ArrowLeft' || e.key === 'ArrowDown') set(value - step);
          else if (e.key === 'ArrowRight' || e.key === 'ArrowUp') set(value + step);
          else if (e.key === 'Home') set(0);
          else if (e.key === 'End') set(length);
          else return;
          e.preventDefault();
        }}
      >
        <span class="timeline-grip" aria-hidden="true" />
      </div>
    );
  };

  const seenSeconds = seen.reduce((s, [a, b]) => s + Math.max(0, Math.min(length, b) - Math.max(0, a)), 0);
  return (
    <div class="timeline" data-testid="timeline">
      <div class="timeline-track" ref={track}>
        {seen.map(([a, b]) => (
          <span key={`${a}-${b}`} class="timeline-seen" style={{ left: pct(a, length), width: pct(Math.min(b, length) - a, length) }} />
        ))}
        {trim && (
          <span class="timeline-clip" style={{ left: pct(trim.start - base, length), width: pct(trim.end - trim.start, length) }} />
        )}
        <span class="timeline-now" style={{ left: pct(now, length) }} aria-hidden="true" />
      </div>
      {handle('start')}
      {handle('end')}
      <p class="visually-hidden">Watched {Math.floor((seenSeconds / length) * 100)} % of the video.</p>
    </div>
  );
}
