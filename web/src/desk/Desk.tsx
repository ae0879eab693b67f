import { useEffect, useRef } from 'preact/hooks';
import { Gate } from '../shared/gate';
import { useHashRoute } from '../shared/route';
import type { StaffUser } from '../shared/types';
import { TopBar } from '../shared/topbar';
import { ClassesView } from './ClassesView';
import { PlaylistView } from './PlaylistView';
import { ReviewView } from './ReviewView';

/** The teacher's vetting desk: classes → playlist → review, with sign-in and the reminder first. */
export function Desk() {
  return <Gate area="teacher desk">{(user, signOut) => <DeskShell user={user} signOut={signOut} />}</Gate>;
}

function DeskShell({ user, signOut }: { user: StaffUser; signOut: () => Promise<void> }) {
  const route = useHashRoute();
  const mainRef = useRef<HTMLElement>(null);
  const key = route.join('/');
  // A new view: move focus to its heading so keyboard and screen-reader users start at the top.
  useEffect(() => {
    const h = mainRef.current?.querySelector<HTMLElement>('h1');
    if (h) {
      h.tabIndex = -1;
      h.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  }, [key]);

  let view;
  if (route[0] === 'playlist' && route[1]) view = <PlaylistView key={key} id={route[1]} />;
  else if (route[0] === 'item' && route[1]) view = <ReviewView key={key} id={route[1]} />;
  else view = <ClassesView key="classes" />;

  return (
    <>
      <TopBar brand="Vetted" user={user} signOut={signOut} mainRef={mainRef}>
        <a href="#/" aria-current={route.length === 0 ? 'page' : undefined}>
          Classes
        </a>
        {user.role === 'admin' && <a href="/admin">Admin console</a>}
      </TopBar>
      <main id="main" class="page" ref={mainRef} tabIndex={-1}>
        {view}
      </main>
    </>
  );
}
