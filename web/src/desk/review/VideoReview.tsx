import { useCallback, useRef, useState } from 'preact/hooks';
import type { Item } from '../../shared/types';
import { Button } from '../../shared/ui';
import { clock, parseClock } from '../../shared/words';
import { useSeekTarget } from './seek';
import { Storyboard } from './Storyboard';
import { Timeline } from './Timeline';
import type { Watching } from './watching';

/** Faster than this does not count as watching (issue 15: any speed up to 2×). */
const MAX_RATE = 2;

/** The video copy with the clip tools: start and end set from the player, then the clip re-made. */
export function VideoReview({
  item,
  onClip,
  watching,
}: {
  item: Item;
  onClip: (start: number | null, end: number | null) => Promise<boolean>;
  watching: Watching;
}) {
  const video = useRef<HTMLVideoElement>(null);
  // The stretch being played now, in seconds of the copy: extended while playback runs on.
  const stretch = useRef<{ from: number; to: number } | null>(null);
  // The copy on screen is already cut: its 0:00 is the clip's start in the original.
  const base = item.startSeconds ?? 0;
  const copyLength = item.durationSeconds ?? 0;
  const [start, setStart] = useState(clock(base));
  const [end, setEnd] = useState(item.endSeconds != null ? clock(item.endSeconds) : clock(base + copyLength));
  const [now, setNow] = useState(0);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const canClip = ['awaiting_review', 'approved'].includes(item.status);

  const here = () => base + (video.current?.currentTime ?? 0);
  // A scene, a flagged flash or a flagged word elsewhere on the page: go there, paused, so the teacher presses play.
  useSeekTarget(
    useCallback((seconds: number) => {
      const v = video.current;
      if (!v) return;
      v.pause();
      v.currentTime = Math.max(0, seconds);
      v.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      v.focus();
    }, []),
  );
  const startS = parseClock(start);
  const endS = parseClock(end);
  const changed = startS !== base || Math.abs((endS ?? 0) - (item.endSeconds ?? base + copyLength)) >= 0.5;

  const make = async (e: Event) => {
    e.preventDefault();
    setError('');
    if (startS === undefined || endS === undefined) return setError('Write the times as minutes:seconds, for example 1:05.');
    if (endS <= startS) return setError('The end must come after the start.');
    setBusy(true);
    // The end of the whole video needs no end mark; only cut what the teacher cut.
    const wholeEnd = item.endSeconds == null && Math.abs(endS - (base + copyLength)) < 0.5;
    await onClip(startS > 0 ? startS : null, wholeEnd ? null : endS);
    setBusy(false);
  };

  const preview = () => {
    const v = video.current;
    if (!v || startS === undefined) return;
    v.currentTime = Math.max(0, startS - base);
    void v.play().catch(() => undefined);
  };

  return (
    <div class="video-review">
      <video
        ref={video}
        class="review-video"
        src={item.media?.video}
        poster={item.media?.poster}
        controls
        preload="metadata"
        playsInline
        data-testid="review-video"
        onTimeUpdate={(e) => {
          const v = e.currentTarget;
          const t = v.currentTime;
          setNow(t);
          const s = stretch.current;
          // Timeupdates come 4–15 times a second; a jump of more than 1.5 s (even at 2×) is a seek, not play.
          const playedOn = !!s && !v.seeking && v.playbackRate <= MAX_RATE && t >= s.to && t - s.to < 1.5;
          if (s && playedOn) {
            s.to = t;
            watching.add([s.from, v.ended ? v.duration || t : t]);
          }
          if (v.paused || v.seeking || v.playbackRate > MAX_RATE) stretch.current = null;
          else if (!playedOn) stretch.current = { from: t, to: t };
          // Previewing the new clip: stop at its end mark.
          if (endS !== undefined && base + t >= endS && endS < base + copyLength - 0.25) v.pause();
        }}
        onPlaying={(e) => {
          // Start counting where play starts, not at the first timeupdate a quarter-second later.
          const v = e.currentTarget;
          if (v.playbackRate <= MAX_RATE) stretch.current = { from: v.currentTime, to: v.currentTime };
        }}
        onSeeking={() => (stretch.current = null)}
        onPause={() => void watching.flush()}
        onEnded={(e) => {
          const s = stretch.current;
          if (s) watching.add([s.from, e.currentTarget.duration || copyLength]);
          stretch.current = null;
          void watching.flush();
        }}
      >
        {item.media?.captions && <track kind="captions" src={item.media.captions} srclang="en" label="English" />}
      </video>
      <Timeline
        length={copyLength}
        base={base}
        seen={watching.ranges}
        now={now}
        trim={
          canClip && startS !== undefined && endS !== undefined
            ? {
                start: startS,
                end: endS,
                onStart: (v) => setStart(clock(v)),
                onEnd: (v) => setEnd(clock(v)),
                onScrub: (copySeconds) => {
                  const v = video.current;
                  if (!v) return;
                  v.pause();
                  v.currentTime = copySeconds;
                },
              }
            : undefined
        }
      />
      <Storyboard item={item} />
      {watching.required && ['awaiting_review'].includes(item.status) && (
        <p class="watch-line" data-testid="watch-line" aria-live="polite">
          {watching.met
            ? 'Watched. You can approve it now.'
            : `Watched ${Math.floor(watching.coverage * 100)} % — “Approve” opens at 95 %. Up to twice the speed counts.`}
        </p>
      )}
      {canClip && (
        <form class="card clip-tools" onSubmit={make} aria-labelledby="clip-h">
          <h2 id="clip-h">Trim the clip</h2>
          <p class="muted small">
            Drag the handles on the timeline, or play to a moment and press “Start here” or “End here”. {item.startSeconds != null || item.endSeconds != null
              ? `This copy is ${clock(base)}–${clock(base + copyLength)} of the original.`
              : `The whole video is ${clock(copyLength)} long.`}{' '}
            <span aria-live="off">Now at {clock(base + now)}.</span>
          </p>
          <div class="clip-row">
            <div class="field">
              <label for="clip-start">Start</label>
              <input id="clip-start" type="text" inputMode="decimal" value={start} onInput={(e) => setStart(e.currentTarget.value)} aria-describedby="clip-error" />
              <Button variant="plain" class="wide" onClick={() => setStart(clock(here()))}>
                Start here
              </Button>
            </div>
            <div class="field">
              <label for="clip-end">End</label>
              <input id="clip-end" type="text" inputMode="decimal" value={end} onInput={(e) => setEnd(e.currentTarget.value)} aria-describedby="clip-error" />
              <Button variant="plain" class="wide" onClick={() => setEnd(clock(Math.ceil(here())))}>
                End here
              </Button>
            </div>
          </div>
          <p id="clip-error" class="field-error" role="alert">
            {error}
          </p>
          <div class="row">
            <Button variant="plain" onClick={preview}>
              Preview the clip
            </Button>
            <Button type="submit" variant="primary" busy={busy} busyText="Sending…" disabled={!changed}>
              Make this clip
            </Button>
            {(item.startSeconds != null || item.endSeconds != null) && (
              <Button variant="quiet" onClick={() => void onClip(null, null)}>
                Use the whole video again
              </Button>
            )}
          </div>
          {item.status === 'approved' && (
            <p class="hint">The new clip is made beside this one, which stays on the board until you approve the new copy.</p>
          )}
        </form>
      )}
    </div>
  );
}
