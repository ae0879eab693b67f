import { useEffect, useRef, useState } from 'preact/hooks';
import type { BoardItem } from '../shared/types';
import { Attribution } from './Attribution';
import { HoldToReport } from './HoldToReport';
import { approvedTarget } from './links';

/**
 * A site as the teacher vetted it: its clean copy inside the board (same origin, sandboxed: no script
 * runs in it, and the board's CSP lets no other site into a frame), with "Back to the board" always in
 * view. A link to another approved item of the class opens that item; any other link does nothing but
 * say, gently, to ask the teacher.
 */
export function SiteViewer({
  item,
  approved,
  onOpen,
  onClose,
  onReport,
}: {
  item: BoardItem;
  approved: readonly BoardItem[];
  onOpen: (item: BoardItem) => void;
  onClose: () => void;
  onReport: () => void;
}) {
  const frame = useRef<HTMLIFrameElement>(null);
  const backRef = useRef<HTMLButtonElement>(null);
  const [askTeacher, setAskTeacher] = useState(false);
  const detach = useRef<() => void>(() => {});
  // The handler reads the latest list: an item approved while the page is open becomes a working link.
  const latest = useRef({ approved, onOpen });
  latest.current = { approved, onOpen };

  useEffect(() => {
    backRef.current?.focus();
    return () => detach.current();
  }, []);

  useEffect(() => {
    if (!askTeacher) return;
    const t = setTimeout(() => setAskTeacher(false), 6000);
    return () => clearTimeout(t);
  }, [askTeacher]);

  const onLoad = () => {
    detach.current();
    const doc = frame.current?.contentDocument;
    if (!doc) return;
    const click = (e: Event) => {
      const a = (e.target as Element | null)?.closest?.('a[href]');
      if (!a) return;
      // Never follow it from inside the frame: open the approved item here, or explain.
      e.preventDefault();
      const target = approvedTarget((a as HTMLAnchorElement).href, latest.current.approved);
      if (target && target.id !== item.id) latest.current.onOpen(target);
      else if (!target) setAskTeacher(true);
    };
    const submit = (e: Event) => e.preventDefault();
    doc.addEventListener('click', click);
    doc.addEventListener('submit', submit);
    detach.current = () => {
      doc.removeEventListener('click', click);
      doc.removeEventListener('submit', submit);
    };
  };

  return (
    <main class="site-viewer" aria-label={`Reading ${item.title}`}>
      <div class="site-bar">
        <button type="button" ref={backRef} class="big-button back-to-board" onClick={onClose}>
          <span aria-hidden="true">← </span>Back to the board
        </button>
        <h2 class="site-title">{item.title}</h2>
        <HoldToReport title={item.title} onReport={onReport} />
      </div>
      <div class="site-ask" role="status" aria-live="polite">
        {askTeacher && (
          <p data-testid="ask-teacher">That link goes somewhere your teacher has not checked. Ask your teacher if you would like to go there.</p>
        )}
      </div>
      {item.media?.page ? (
        <iframe
          ref={frame}
          class="site-frame"
          src={item.media.page}
          sandbox="allow-same-origin"
          title={item.title}
          data-testid="site-copy"
          onLoad={onLoad}
        />
      ) : (
        <p class="board-empty">This page cannot be shown just now. Ask your teacher.</p>
      )}
      <Attribution item={item} />
    </main>
  );
}
