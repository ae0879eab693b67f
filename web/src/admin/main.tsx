import { render } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import '../shared/base.css';
import '../desk/desk.css';
import './admin.css';
import { Gate } from '../shared/gate';
import { useHashRoute } from '../shared/route';
import type { StaffUser } from '../shared/types';
import { TopBar } from '../shared/topbar';
import { Button } from '../shared/ui';
import { AuditSection } from './AuditSection';
import { ExpirySection } from './ExpirySection';
import { FilteringSection } from './FilteringSection';
import { IncidentsSection } from './IncidentsSection';
import { PurgeSection } from './PurgeSection';
import { ReminderSection } from './ReminderSection';
import { StaffSection } from './StaffSection';
import { SignInSection } from './SignInSection';
import { WordListSection } from './WordListSection';
import { YouTubeSection } from './YouTubeSection';

const SECTIONS = [
  { id: 'incidents', name: 'Incidents', view: IncidentsSection },
  { id: 'staff', name: 'Staff', view: StaffSection },
  { id: 'sign-in', name: 'Sign-in', view: SignInSection },
  { id: 'reminder', name: 'E-safety reminder', view: ReminderSection },
  { id: 'filtering', name: 'Filtering rules', view: FilteringSection },
  { id: 'expiry', name: 'Expiry', view: ExpirySection },
  { id: 'words', name: 'Word screen', view: WordListSection },
  { id: 'purge', name: 'Purge', view: PurgeSection },
  { id: 'audit', name: 'Audit log', view: AuditSection },
  { id: 'youtube', name: 'YouTube', view: YouTubeSection },
] as const;

/** The e-safety lead's console: everything the school's policy asks them to be able to show governors. */
function Admin() {
  return <Gate area="admin console">{(user, signOut) => <Console user={user} signOut={signOut} />}</Gate>;
}

function Console({ user, signOut }: { user: StaffUser; signOut: () => Promise<void> }) {
  const route = useHashRoute();
  const section = SECTIONS.find((s) => s.id === route[0]) ?? SECTIONS[0];
  const mainRef = useRef<HTMLElement>(null);
  useEffect(() => {
    document.title = `${section.name} — Vetted admin`;
    const h = mainRef.current?.querySelector<HTMLElement>('h1');
    if (h && route.length) {
      h.tabIndex = -1;
      h.focus({ preventScroll: true });
    }
  }, [section.id]);

  if (user.role !== 'admin') {
    return (
      <main class="center-page">
        <section class="card signin">
          <h1>The admin console is for the e-safety lead</h1>
          <p>You are signed in as {user.email}, a teacher. Ask the school’s e-safety lead if you need something here.</p>
          <div class="row">
            <a class="btn btn-primary" href="/">
              Go to the teacher desk
            </a>
            <Button variant="quiet" onClick={() => void signOut()}>
              Sign out
            </Button>
          </div>
        </section>
      </main>
    );
  }

  const View = section.view;
  return (
    <>
      <TopBar brand="Vetted admin" user={user} signOut={signOut} mainRef={mainRef}>
        <a href="/">Teacher desk</a>
      </TopBar>
      <div class="admin-layout">
        <nav class="admin-nav" aria-label="Console sections">
          <ul>
            {SECTIONS.map((s) => (
              <li key={s.id}>
                <a href={`#/${s.id}`} aria-current={s.id === section.id ? 'page' : undefined}>
                  {s.name}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" class="admin-main" ref={mainRef} tabIndex={-1}>
          <View key={section.id} me={user} />
        </main>
      </div>
    </>
  );
}

render(<Admin />, document.getElementById('app')!);
