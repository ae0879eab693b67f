import type { Item, WordFlag } from '../../shared/types';
import { clock } from '../../shared/words';
import { seekTo } from './seek';

const VERDICT: Record<'pass' | 'warning' | 'fail', string> = {
  pass: 'No harmful flashing found.',
  warning: 'Flashing 2–3 times a second for several seconds: watch these moments.',
  fail: 'Flashing that can trigger seizures (more than 3 flashes a second over a large area). Watch these moments, or trim them out.',
};

const SOURCE: Record<WordFlag['source'], string> = {
  captions: 'captions',
  title: 'title',
  description: 'description',
  page: 'page text',
};

/**
 * What Vetted noticed that a teacher might miss: flashing, loudness, flagged words. Every moment is a link that
 * seeks the player. These help the teacher look; they never replace watching.
 */
export function VettingAids({ item }: { item: Item }) {
  const c = item.checks;
  if (!c) return null;
  const flashing = c.flashing;
  const words = c.words;
  const video = item.kind === 'video';
  return (
    <section class="card vetting-aids" aria-labelledby="aids-h" data-testid="vetting-aids">
      <h2 id="aids-h">What to look at</h2>
      <p class="hint">Vetted’s checks help you look; they never replace watching it yourself.</p>
      {video && (
        <>
          <h3>Flashing images</h3>
          {flashing ? (
            <div data-testid="flashing" data-verdict={flashing.verdict}>
              <p class={flashing.verdict === 'pass' ? '' : 'warn'}>{VERDICT[flashing.verdict]}</p>
              {flashing.moments.length > 0 && (
                <ul class="moments">
                  {flashing.moments.map((m) => (
                    <li key={`${m.kind}-${m.startSeconds}`}>
                      <button type="button" class="link-button" onClick={() => seekTo(m.startSeconds)} data-testid="flash-moment">
                        {clock(m.startSeconds)}–{clock(m.endSeconds)}
                      </button>{' '}
                      {m.kind === 'red' ? 'red flashes' : 'light/dark flashes'}, about {m.flashesPerSecond} a second
                    </li>
                  ))}
                </ul>
              )}
            </div>
          ) : (
            <p class="muted">Not checked (the picture could not be analysed).</p>
          )}
          <h3>Loudness</h3>
          {c.loudness ? (
            <p data-testid="loudness">
              {Math.abs(c.loudness.outputLufs - c.loudness.inputLufs) < 0.5
                ? `Already at classroom level (${c.loudness.outputLufs} LUFS).`
                : `Evened out from ${c.loudness.inputLufs} to ${c.loudness.outputLufs} LUFS, so it plays as loud as your other videos.`}
            </p>
          ) : (
            <p class="muted" data-testid="loudness">No sound to even out.</p>
          )}
        </>
      )}
      <h3>Words</h3>
      {words === null || words === undefined ? (
        <p class="muted" data-testid="words">No captions or text to screen.</p>
      ) : words.length === 0 ? (
        <p data-testid="words">No flagged words in the {video ? 'title, description or captions' : 'title or page text'}.</p>
      ) : (
        <ul class="word-flags" data-testid="words">
          {words.map((w, i) => (
            <li key={i}>
              <strong>{w.word}</strong> in the {SOURCE[w.source]}
              {w.startSeconds !== null && video ? (
                <>
                  {' '}at{' '}
                  <button type="button" class="link-button" onClick={() => seekTo(w.startSeconds!)} data-testid="word-moment">
                    {clock(w.startSeconds)}
                  </button>
                </>
              ) : null}
              : <q class="break">{w.context}</q>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
