import type { Item } from '../../shared/types';
import { Button, ProgressBar } from '../../shared/ui';
import { isWorking, statusText } from '../../shared/words';
import { VideoReview } from './VideoReview';

/** The cleaned copy itself: a video with the clip tools, or the page copy in a sandboxed frame. */
export function Copy({ item, onClip }: { item: Item; onClip: (start: number | null, end: number | null) => Promise<boolean> }) {
  if (isWorking(item.status)) {
    return (
      <div class="card copy-waiting" data-testid="review-progress">
        <h2>{statusText(item)}</h2>
        <ProgressBar
          value={item.status === 'queued' ? undefined : item.progress}
          label="Progress of the copy"
          text={item.status === 'queued' ? '' : `${item.progress}%`}
        />
        <p class="muted">
          Vetted is making a clean copy — no adverts, no suggested videos, no comments. It appears here when it is ready.
        </p>
      </div>
    );
  }
  if (item.status === 'failed') {
    return (
      <div class="card copy-failed">
        <h2>This could not be prepared</h2>
        <p class="item-error" data-testid="review-error">
          {item.error?.message ?? 'Something went wrong while preparing it.'}
        </p>
        <Button variant="primary" onClick={() => void onClip(item.startSeconds, item.endSeconds)}>
          Try again
        </Button>
      </div>
    );
  }
  if (!item.media) {
    return <p class="card empty">{item.status === 'removed' ? 'Its copy was deleted when it was removed.' : 'There is no copy to show.'}</p>;
  }
  if (item.kind === 'webpage' && item.media.page) {
    return (
      <div class="page-copy">
        <p class="muted small">
          The clean copy of the page that you are vetting. On the board, an approved site opens as a tile that goes to
          the live site.
        </p>
        {/* No scripts may run (the copy has none, and its own CSP forbids them); same-origin only so its stored pictures load. */}
        <iframe src={item.media.page} sandbox="allow-same-origin" title={`Clean copy of ${item.title}`} data-testid="page-copy" />
      </div>
    );
  }
  return <VideoReview item={item} onClip={onClip} />;
}
