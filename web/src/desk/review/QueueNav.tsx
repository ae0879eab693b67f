import { useEffect, useState } from 'preact/hooks';
import { api } from '../../shared/api';
import { href } from '../../shared/route';
import type { QueueItem } from '@contract';

export type { QueueItem };

/**
 * The "To review" queue across the teacher's classes, read again whenever `when` changes (the review page
 * passes the item's status: once it is decided, "Next to review" names what is really still waiting).
 */
export function useReviewQueue(when?: unknown): QueueItem[] | null {
  const [queue, setQueue] = useState<QueueItem[] | null>(null);
  useEffect(() => {
    api<{ items: QueueItem[] }>('GET', '/api/review-queue')
      .then((r) => setQueue(r.items))
      .catch(() => setQueue([]));
  }, [when]);
  return queue;
}

/** The items before and after this one in the queue; after the last, the next is the first still waiting. */
export function neighbours(queue: QueueItem[] | null, id: string) {
  if (!queue) return { index: -1, prev: undefined, next: undefined };
  const index = queue.findIndex((i) => i.id === id);
  if (index < 0) return { index, prev: undefined, next: queue.find((i) => i.id !== id) };
  return { index, prev: queue[index - 1], next: queue[index + 1] ?? queue.find((i) => i.id !== id) };
}

export function QueueNav({ queue, id }: { queue: QueueItem[] | null; id: string }) {
  const { index, prev, next } = neighbours(queue, id);
  if (!queue || index < 0 || queue.length < 2) return null;
  return (
    <nav class="queue-nav" aria-label="To review">
      <span>
        {index + 1} of {queue.length} to review
      </span>
      {prev ? (
        <a class="btn btn-plain" href={href('item', prev.id)} data-testid="queue-prev">
          ← Previous
        </a>
      ) : null}
      {next ? (
        <a class="btn btn-plain" href={href('item', next.id)} data-testid="queue-next">
          Next →
        </a>
      ) : null}
    </nav>
  );
}
