import { useEffect, useRef, useState } from 'preact/hooks';
import type { BoardItem } from '../shared/types';
import { clock } from '../shared/words';
import { Attribution } from './Attribution';
import { HoldToReport } from './HoldToReport';
import { PauseIcon, PlayIcon } from '../shared/icons';

/**
 * One approved video, large, with big buttons: play/pause, captions, back, report. At the end it
 * stops — no next video, no suggestions — and offers "watch again" or "back".
 */
export function Player({
  item,
  onClose,
  onReport,
  onBroken,
}: {
  item: BoardItem;
  onClose: () => void;
  onReport: () => void;
  onBroken: () => void;
}) {
  const video = useRef<HTMLVideoElement>(null);
  const [paused, setPaused] = useState(true);
  const [ended, setEnded] = useState(false);
  const [time, setTime] = useState(0);
  const [length, setLength] = useState(item.durationSeconds ?? 0);
  const [captions, setCaptions] = useState(false);
  const playRef = useRef<HTMLButtonElement>(null);
  const stage = useRef<HTMLDivElement>(null);
  const [full, setFull] = useState(false);
  const hasCaptions = !!item.media?.captions;

  useEffect(() => {
    const own = stage.current;
    const on = () => setFull(document.fullscreenElement !== null && document.fullscreenElement === own);
    document.addEventListener('fullscreenchange', on);
    return () => {
      document.removeEventListener('fullscreenchange', on);
      // Only the video's own full screen ends with it; a board made full screen stays so.
      if (document.fullscreenElement && document.fullscreenElement === own) void document.exitFullscreen().catch(() => undefined);
    };
  }, []);

  // "Full screen" makes the video itself fill the screen (with its end screen), not the page around it.
  const fullScreen = () => {
    if (full) void document.exitFullscreen().catch(() => undefined);
    else void stage.current?.requestFullscreen().catch(() => undefined);
  };

  useEffect(() => {
    const v = video.current;
    playRef.current?.focus();
    // Opened by a tap, so the browser lets it start with sound.
    void v?.play().catch(() => setPaused(true));
    return () => {
      // Leaving (or taken off the board): stop and let go of the file at once.
      if (v) {
        v.pause();
        v.removeAttribute('src');
        v.load();
      }
    };
  }, []);

  useEffect(() => {
    const track = video.current?.textTracks[0];
    if (track) track.mode = captions ? 'showing' : 'hidden';
  }, [captions]);

  const toggle = () => {
    const v = video.current;
    if (!v) return;
    if (v.paused || v.ended) {
      setEnded(false);
      void v.play().catch(() => undefined);
    } else v.pause();
  };

  const again = () => {
    const v = video.current;
    if (!v) return;
    v.currentTime = 0;
    setEnded(false);
    void v.play().catch(() => undefined);
    playRef.current?.focus();
  };

  return (
    <main class="player" aria-label={`Playing ${item.title}`}>
      <div class="player-stage" ref={stage} data-testid="player-stage">
        <video
          ref={video}
          class="player-video"
          src={item.media?.video}
          poster={item.media?.poster}
          playsInline
          preload="auto"
          disablePictureInPicture
          controlsList="nodownload noplaybackrate noremoteplayback"
          data-testid="board-video"
          onPlay={() => setPaused(false)}
          onPause={() => setPaused(true)}
          onEnded={() => {
            setEnded(true);
            setPaused(true);
          }}
          onTimeUpdate={(e) => setTime(e.currentTarget.currentTime)}
          onLoadedMetadata={(e) => Number.isFinite(e.currentTarget.duration) && setLength(e.currentTarget.duration)}
          onError={onBroken}
          onClick={toggle}
        >
          {hasCaptions && <track kind="captions" src={item.media?.captions} srclang="en" label="English" />}
        </video>
        {(paused || ended) && !full && (
          <div class="player-caption">
            <h2 class="player-title">{item.title}</h2>
            <Attribution item={item} />
          </div>
        )}
        {full && (
          <button type="button" class="big-button leave-full" onClick={fullScreen}>
            Leave full screen
          </button>
        )}
        {ended && (
          <div class="player-end" data-testid="player-end">
            <p>The end</p>
            <div class="player-end-buttons">
              <button type="button" class="big-button" onClick={again}>
                Watch again
              </button>
              <button type="button" class="big-button quiet" onClick={onClose}>
                Back to the board
              </button>
            </div>
          </div>
        )}
      </div>
      <div class="player-controls">
        <button type="button" class="big-button back" onClick={onClose}>
          <span aria-hidden="true">← </span>Back
        </button>
        <button type="button" ref={playRef} class="big-button play" onClick={toggle} aria-label={paused ? 'Play' : 'Pause'} data-testid="play-pause">
          {paused ? <PlayIcon size={26} /> : <PauseIcon size={26} />}
          <span class="button-word">{paused ? 'Play' : 'Pause'}</span>
        </button>
        <div class="seek">
          <label class="visually-hidden" for="seek">
            Position in the video
          </label>
          <input
            id="seek"
            type="range"
            min={0}
            max={Math.max(length, 0.1)}
            step={0.1}
            value={time}
            aria-valuetext={`${clock(time)} of ${clock(length)}`}
            onInput={(e) => {
              const v = video.current;
              if (v) v.currentTime = Number(e.currentTarget.value);
              setEnded(false);
            }}
          />
          <span class="seek-time" aria-hidden="true">
            {clock(time)} / {clock(length)}
          </span>
        </div>
        {hasCaptions && (
          <button type="button" class="big-button" aria-pressed={captions} onClick={() => setCaptions((c) => !c)}>
            Captions {captions ? 'on' : 'off'}
          </button>
        )}
        {document.fullscreenEnabled && (
          <button type="button" class="big-button" onClick={fullScreen} data-testid="video-full-screen">
            Full screen
          </button>
        )}
        <HoldToReport title={item.title} onReport={onReport} />
      </div>
    </main>
  );
}
