import { href } from '../shared/route';
import { useTitle } from '../shared/ui';
import { clock } from '../shared/words';
import { useReviewQueue } from './review/QueueNav';

/** Everything waiting for review across the teacher's classes, oldest first. */
export function ToReviewView() {
  useTitle('To review — Vetted');
  const queue = useReviewQueue();
  return (
    <>
      <div class="view-head">
        <h1>To review</h1>
        <p class="muted">Everything waiting for a teacher in your classes, oldest first. Open one; “Next” takes you through the rest.</p>
      </div>
      {queue === null && <p class="muted">Loading…</p>}
      {queue?.length === 0 && <p class="card empty">Nothing is waiting for review. Well done.</p>}
      {!!queue?.length && (
        <ol class="review-queue" data-testid="review-queue">
          {queue.map((i) => (
            <li key={i.id} class="card queue-item">
              <a href={href('item', i.id)} class="queue-link">
                <span class="item-title">{i.title || i.url}</span>
                <span class="muted small">
                  {i.className} · {i.playlistName} · {i.kind === 'video' ? `Video ${clock(i.durationSeconds)}` : 'Web page'}
                </span>
              </a>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
