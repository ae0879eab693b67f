import { useEffect, useRef } from 'preact/hooks';
import { Gate } from '../shared/gate';
import { useHashRoute } from '../shared/route';
import type { StaffUser } from '../shared/types';
import { TopBar } from '../shared/topbar';
import { ClassesView } from './ClassesView';
import { PlaylistView } from './PlaylistView';
import { ReviewView } from './ReviewView';
import { ToReviewView } from './ToReviewView';
import { AttentionProvider, ReportBanner, useAttention } from './attention';

/** The teacher's vetting desk: classes → playlist → review, with sign-in and the reminder first. */
export function Desk() {
  return <Gate area="teacher desk">{(user, signOut) => <DeskShell user={user} signOut={signOut} />}</Gate>;
}

function DeskShell({ user, signOut }: { user: StaffUser; signOut: () => Promise<void> }) {
  const route = useHashRoute();
  const mainRef = useRef<HTMLElement>(null);
  const key = route.join('/');
  const attention = useAttention();
  // A new view: move focus to its heading so keyboard and screen-reader users start at the top. Views
  // load their data first, so the heading may come a moment later: wait for it (not for ever).
  useEffect(() => {
    window.scrollTo(0, 0);
    const main = mainRef.current;
    if (!main) return;
    const focus = () => {
      const h = main.querySelector<HTMLElement>('h1');
      if (!h) return false;
      h.tabIndex = -1;
      h.focus({ preventScroll: true });
      return true;
    };
    if (focus()) return;
    const watch = new MutationObserver(() => focus() && watch.disconnect());
    watch.observe(main, { childList: true, subtree: true });
    const stop = setTimeout(() => watch.disconnect(), 5000);
    return () => {
      watch.disconnect();
      clearTimeout(stop);
    };
  }, [key]);
  const toReview = attention?.classes.reduce((n, c) => n + c.counts.awaitingReview, 0) ?? 0;

  let view;
  if (route[0] === 'playlist' && route[1]) view = <PlaylistView key={key} id={route[1]} />;
  else if (route[0] === 'item' && route[1]) view = <ReviewView key={key} id={route[1]} />;
  else if (route[0] === 'review') view = <ToReviewView key="review" />;
  else view = <ClassesView key="classes" />;

  return (
    <>
      <TopBar brand="Vetted" user={user} signOut={signOut} mainRef={mainRef}>
        <a href="#/" aria-current={route.length === 0 ? 'page' : undefined}>
          Classes
        </a>
        <a href="#/review" aria-current={route[0] === 'review' ? 'page' : undefined} data-testid="nav-to-review">
          To review{toReview ? <span class="count-badge"> {toReview}</span> : null}
        </a>
        {user.role === 'admin' && <a href="/admin">Admin console</a>}
      </TopBar>
      <main id="main" class="page" ref={mainRef} tabIndex={-1}>
        <ReportBanner summary={attention} />
        <AttentionProvider value={attention}>{view}</AttentionProvider>
      </main>
    </>
  );
}
