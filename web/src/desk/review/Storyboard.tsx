import type { Item } from '../../shared/types';
import { clock } from '../../shared/words';
import { seekTo } from './seek';

/**
 * The storyboard under the player: a picture at each scene change (at least one every 30 s), so a long video can be
 * skimmed for the minutes to watch closely. A click goes there. Flashing moments are marked on the scenes they fall in.
 */
export function Storyboard({ item }: { item: Item }) {
  const scenes = item.checks?.scenes ?? [];
  if (scenes.length === 0) return null;
  const moments = item.checks?.flashing?.moments ?? [];
  const flagged = (from: number, to: number) => moments.some((m) => m.startSeconds < to && m.endSeconds > from);
  return (
    <nav class="storyboard" aria-label="Storyboard: go to a scene" data-testid="storyboard">
      <ol>
        {scenes.map((s, i) => {
          const to = scenes[i + 1]?.startSeconds ?? Number.POSITIVE_INFINITY;
          const warn = flagged(s.startSeconds, to);
          return (
            <li key={s.startSeconds}>
              <button type="button" class={warn ? 'scene scene-warn' : 'scene'} onClick={() => seekTo(s.startSeconds)} data-testid="scene">
                <img src={s.thumbnail} alt="" loading="lazy" width={120} />
                <span>
                  {clock(s.startSeconds)}
                  {warn && <span class="visually-hidden"> (flashing here)</span>}
                </span>
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
