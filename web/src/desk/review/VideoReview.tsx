import { useRef, useState } from 'preact/hooks';
import type { Item } from '../../shared/types';
import { Button } from '../../shared/ui';
import { clock, parseClock } from '../../shared/words';

/** The video copy with the clip tools: start and end set from the player, then the clip re-made. */
export function VideoReview({ item, onClip }: { item: Item; onClip: (start: number | null, end: number | null) => Promise<boolean> }) {
  const video = useRef<HTMLVideoElement>(null);
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
          setNow(e.currentTarget.currentTime);
          // Previewing the new clip: stop at its end mark.
          if (endS !== undefined && base + e.currentTarget.currentTime >= endS && endS < base + copyLength - 0.25) e.currentTarget.pause();
        }}
      >
        {item.media?.captions && <track kind="captions" src={item.media.captions} srclang="en" label="English" />}
      </video>
      {canClip && (
        <form class="card clip-tools" onSubmit={make} aria-labelledby="clip-h">
          <h2 id="clip-h">Trim the clip</h2>
          <p class="muted small">
            Play or scrub to a moment, then press “Start here” or “End here”. {item.startSeconds != null || item.endSeconds != null
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
              Play from the start mark
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
            <p class="hint">Making a new clip takes this video off the board until you approve the new copy.</p>
          )}
        </form>
      )}
    </div>
  );
}
