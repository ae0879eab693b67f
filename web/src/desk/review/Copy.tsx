import { useEffect, useRef } from 'preact/hooks';
import type { Item } from '../../shared/types';
import { Button, ProgressBar } from '../../shared/ui';
import { isWorking, statusText } from '../../shared/words';
import { VideoReview } from './VideoReview';
import type { Watching } from './watching';

/** The cleaned copy itself: a video with the clip tools, or the page copy in a sandboxed frame. */
export function Copy({
  item,
  onClip,
  watching,
}: {
  item: Item;
  onClip: (start: number | null, end: number | null) => Promise<boolean>;
  watching: Watching;
}) {
  if (isWorking(item.status)) {
    return (
      <div class="card copy-waiting" data-testid="review-progress">
        <h2>{statusText(item)}</h2>
        <ProgressBar
          value={item.status === 'queued' ? undefined : item.progress}
          label="Progress of the copy"
          text={item.status === 'queued' ? '' : `${item.progress}%`}
        />
        {item.error && (
          <p class="hint" data-testid="review-retry">
            {item.error.message}
          </p>
        )}
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
  if (item.kind === 'webpage' && item.media.page) return <PageReview item={item} page={item.media.page} watching={watching} />;
  return <VideoReview item={item} onClip={onClip} watching={watching} />;
}

/** The page copy in a sandboxed frame; what has been scrolled into view counts as read. */
function PageReview({ item, page, watching }: { item: Item; page: string; watching: Watching }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const detach = useRef<() => void>(() => {});
  useEffect(() => () => detach.current(), []);

  // The copy runs no script (sandbox without allow-scripts, and its own CSP); this page, on the same
  // origin, watches its scrolling from outside.
  const onLoad = () => {
    detach.current();
    const win = frame.current?.contentWindow;
    const doc = frame.current?.contentDocument;
    if (!win || !doc) return;
    const seen = () => {
      const el = doc.scrollingElement ?? doc.documentElement;
      const height = Math.max(el.scrollHeight, 1);
      watching.add([el.scrollTop / height, Math.min(1, (el.scrollTop + win.innerHeight) / height)]);
    };
    seen();
    win.addEventListener('scroll', seen, { passive: true });
    // Links inside the copy are for reading, not for leaving the desk.
    const click = (e: Event) => {
      const a = (e.target as Element | null)?.closest?.('a');
      if (a) e.preventDefault();
    };
    doc.addEventListener('click', click);
    detach.current = () => {
      win.removeEventListener('scroll', seen);
      doc.removeEventListener('click', click);
    };
  };

  return (
    <div class="page-copy">
      <p class="muted small">
        The clean copy of the page that you are vetting — exactly what the class will see. On the board it opens inside the
        board, with a big “Back to the board” button; its links lead only to other sites approved for the class.
      </p>
      {/* No scripts may run (the copy has none, and its own CSP forbids them); same-origin only so its stored pictures load. */}
      <iframe ref={frame} src={page} sandbox="allow-same-origin" title={`Clean copy of ${item.title}`} data-testid="page-copy" onLoad={onLoad} />
      {watching.required && item.status === 'awaiting_review' && (
        <p class="watch-line" data-testid="watch-line" aria-live="polite">
          {watching.met ? 'Read to the end. You can approve it now.' : `Read ${Math.floor(watching.coverage * 100)} % — scroll through the whole page; “Approve” opens at 95 %.`}
        </p>
      )}
    </div>
  );
}
