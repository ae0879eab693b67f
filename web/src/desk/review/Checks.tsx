import type { Item } from '../../shared/types';
import { clock, durationWords, yesNo } from '../../shared/words';

const FLAG_WORDS: Record<string, string> = {
  age_restricted: 'The source marks it as age-restricted.',
  not_family_safe: 'The source does not mark it as family-safe.',
  kind_mismatch: 'It was added to a playlist of a different kind.',
};

/** The facts gathered automatically while the copy was made. */
export function Checks({ item }: { item: Item }) {
  const c = item.checks;
  const rule = c?.domainRule;
  return (
    <section class="card checks" aria-labelledby="checks-h" data-testid="checks">
      <h2 id="checks-h">Checks</h2>
      <dl>
        <dt>Kind</dt>
        <dd>{item.kind === 'video' ? 'Video' : 'Web page'}</dd>
        {item.kind === 'video' && (
          <>
            <dt>Length</dt>
            <dd>
              {clock(c?.durationSeconds ?? item.durationSeconds)} <span class="visually-hidden">({durationWords(c?.durationSeconds ?? item.durationSeconds)})</span>
            </dd>
          </>
        )}
        <dt>{item.kind === 'video' ? 'Channel' : 'Site'}</dt>
        <dd class="break">{c?.channel ?? c?.site ?? item.source?.name ?? 'Not stated'}</dd>
        {item.kind === 'video' && (
          <>
            <dt>Age-restricted</dt>
            <dd class={c?.ageRestricted ? 'warn' : ''}>{yesNo(c?.ageRestricted, 'Yes — check carefully', 'No')}</dd>
            <dt>Made for kids</dt>
            <dd>{yesNo(c?.madeForKids)}</dd>
            <dt>Family-safe</dt>
            <dd class={c?.familySafe === false ? 'warn' : ''}>{yesNo(c?.familySafe)}</dd>
            <dt>Captions</dt>
            <dd>{c?.captions ? 'Yes (the board can show them)' : 'None'}</dd>
          </>
        )}
        <dt>Domain rule</dt>
        <dd class={rule?.action === 'block' ? 'warn' : ''}>
          {rule ? `${rule.action === 'allow' ? 'Allowed by' : 'Blocked by'} ${rule.pattern}` : 'No school rule matched'}
        </dd>
        {item.source?.author && (
          <>
            <dt>Author</dt>
            <dd class="break">{item.source.author}</dd>
          </>
        )}
        <dt>Licence</dt>
        <dd class="break">{item.source?.licence ?? 'Not stated'}</dd>
        <dt>Original</dt>
        <dd class="break">
          <a href={item.source?.url ?? item.url} target="_blank" rel="noopener noreferrer">
            {item.source?.url ?? item.url}
          </a>
        </dd>
      </dl>
      {(c?.flags.length || c?.redirectsTo || c?.plainHttp || c?.reusedFrom || item.notice) && (
        <>
          <h3>Notices</h3>
          <ul class="notices">
            {c?.flags.map((f) => <li key={f}>{FLAG_WORDS[f] ?? f.replace(/_/g, ' ')}</li>)}
            {c?.redirectsTo && <li class="break">The link led on to {c.redirectsTo}.</li>}
            {c?.plainHttp && (
              <li data-testid="plain-http">
                The link was typed without https://, and this site has no secure version, so Vetted fetched it with http://.
              </li>
            )}
            {item.notice && <li>{item.notice.message}</li>}
            {c?.reusedFrom && <li>This copy was already made for another playlist, so it was ready at once. It still needs your approval.</li>}
          </ul>
        </>
      )}
    </section>
  );
}
