import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, errorText, session, SESSION_EVENT, type SessionProblem } from './api';
import { forgetDrafts } from './drafts';
import type { Me, StaffUser } from './types';
import { Button, SignInPending, useTitle } from './ui';
import { SchoolAccountButton, useSignInMethods } from './school-sign-in';
import type { LoginAnswer } from '@contract';

type Phase =
  | { step: 'loading' }
  | { step: 'signin'; notice?: string }
  | { step: 'password'; user: StaffUser; next: Phase }
  | { step: 'reminder'; user: StaffUser; text: string; version: number }
  | { step: 'ready'; user: StaffUser };

/**
 * Sign-in, then the school's e-safety reminder — shown and acknowledged at every login, as the
 * school's policy asks — then the page. Any later 401 or "reminder not acknowledged" from the API
 * brings the person back here — with their page kept, hidden, underneath: what they typed stays,
 * and the action the server refused is sent again once the same person is signed in (see `session`
 * in api.ts), so it is done, or clearly not.
 */
export function Gate({ area, children }: { area: string; children: (user: StaffUser, signOut: () => Promise<void>) => ComponentChildren }) {
  const [phase, setPhase] = useState<Phase>({ step: 'loading' });
  // Whose page is mounted: kept through a lost session, replaced when someone else signs in.
  const [member, setMember] = useState<StaffUser | null>(null);

  const load = async (notice?: string) => {
    try {
      const me = await api<Me>('GET', '/api/me', undefined, { gate: true });
      setPhase(
        me.reminderAcknowledged
          ? { step: 'ready', user: me.user }
          : { step: 'reminder', user: me.user, text: me.reminder, version: me.reminderVersion },
      );
    } catch {
      setPhase({ step: 'signin', notice });
    }
  };

  useEffect(() => {
    void load();
    const onProblem = (e: Event) => {
      const kind = (e as CustomEvent<SessionProblem>).detail;
      if (kind === 'signed_out') setPhase((p) => (p.step === 'signin' ? p : { step: 'signin', notice: 'Your session has ended. Please sign in again.' }));
      else if (kind === 'password') setPhase((p) => ('user' in p ? { step: 'password', user: p.user, next: { step: 'ready', user: p.user } } : p));
      else void load();
    };
    window.addEventListener(SESSION_EVENT, onProblem);
    return () => window.removeEventListener(SESSION_EVENT, onProblem);
  }, []);

  // Signed in (again): the page is this person's. The same person gets their held actions sent; someone
  // else gets a fresh page, and nothing of the last person's is sent in their name.
  const readyUser = phase.step === 'ready' ? phase.user : null;
  useEffect(() => {
    if (!readyUser) return;
    if (member && member.id !== readyUser.id) {
      session.drop('Someone else signed in on this screen, so what the last person was doing was not done.');
      forgetDrafts();
    }
    setMember(readyUser);
  }, [readyUser?.id]);
  useEffect(() => {
    if (readyUser && member?.id === readyUser.id) session.ready();
  }, [readyUser?.id, member?.id]);

  const signOut = async () => {
    await api('POST', '/api/logout', undefined, { gate: true }).catch(() => undefined);
    session.drop('You signed out, so this was not done.');
    forgetDrafts();
    setMember(null);
    setPhase({ step: 'signin', notice: 'You have signed out.' });
  };

  let gate: ComponentChildren = null;
  if (phase.step === 'loading') gate = <main class="center-page" aria-busy="true"><p class="muted">Loading…</p></main>;
  else if (phase.step === 'signin') {
    gate = (
      <SignIn
        area={area}
        notice={member && session.waiting() > 0 ? 'Your session has ended. Sign in again to finish what you were doing — your page and what you typed are kept.' : phase.notice}
        email={member?.email}
        onSignedIn={(r) => {
          const reminder: Phase = { step: 'reminder', user: r.user, text: r.reminder, version: r.reminderVersion };
          setPhase(r.mustChangePassword ? { step: 'password', user: r.user, next: reminder } : reminder);
        }}
      />
    );
  } else if (phase.step === 'password') {
    gate = <ChangePassword user={phase.user} onDone={() => setPhase(phase.next)} onSignOut={signOut} />;
  } else if (phase.step === 'reminder') {
    gate = (
      <Reminder
        user={phase.user}
        text={phase.text}
        version={phase.version}
        onDone={() => setPhase({ step: 'ready', user: phase.user })}
        onOutdated={() => void load()}
        onSignOut={signOut}
      />
    );
  }
  const paused = phase.step !== 'ready';
  const page = member && (!readyUser || readyUser.id === member.id) ? member : null;
  return (
    <>
      {gate}
      {page && (
        <SignInPending.Provider value={paused}>
          <div class="gate-page" hidden={paused} key={page.id}>
            {children(page, signOut)}
          </div>
        </SignInPending.Provider>
      )}
    </>
  );
}


function SignIn({ area, notice, email: known, onSignedIn }: { area: string; notice?: string; email?: string; onSignedIn: (r: LoginAnswer) => void }) {
  useTitle(`Sign in — Vetted ${area}`);
  const [email, setEmail] = useState(known ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const emailRef = useRef<HTMLInputElement>(null);
  const methods = useSignInMethods();
  // Passwords off: only the break-glass admin uses the form, tucked away below the school-account button.
  const passwordAside = methods !== null && !methods.password;
  const passwordRef = useRef<HTMLInputElement>(null);
  const cardRef = useRef<HTMLElement>(null);
  useEffect(() => {
    // Not once the person is in the form: the answer may come late, when they are already typing (their password
    // would go on in the email field). Signed out over their own page: the address is known, so the password is
    // what is left to type.
    const typing = cardRef.current?.contains(document.activeElement) ?? false;
    if (methods && !passwordAside && !typing) (known ? passwordRef : emailRef).current?.focus();
  }, [methods, passwordAside]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await api<LoginAnswer>('POST', '/api/login', { email: email.trim(), password }, { gate: true }));
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  const form = (
    <form onSubmit={submit} aria-describedby={error ? 'signin-error' : undefined}>
      <label for="signin-email">Email</label>
      <input
        id="signin-email"
        ref={emailRef}
        type="email"
        autocomplete="username"
        required
        value={email}
        onInput={(e) => setEmail(e.currentTarget.value)}
      />
      <label for="signin-password">Password</label>
      <input
        id="signin-password"
        ref={passwordRef}
        type="password"
        autocomplete="current-password"
        required
        value={password}
        onInput={(e) => setPassword(e.currentTarget.value)}
      />
      <p id="signin-error" class="field-error" role="alert">
        {error}
      </p>
      <Button type="submit" variant={methods?.schoolAccount ? 'plain' : 'primary'} busy={busy} busyText="Signing in…" class="wide">
        Sign in
      </Button>
    </form>
  );

  return (
    <main class="center-page">
      <section class="card signin" aria-labelledby="signin-title" ref={cardRef}>
        <p class="brand-line">
          <img src="/favicon.svg" alt="" width={32} height={32} /> <span>Vetted</span>
        </p>
        <h1 id="signin-title">Sign in to the {area}</h1>
        {notice && <p class="flash flash-info">{notice}</p>}
        {methods?.refusal && (
          <p class="flash flash-error" role="alert" data-testid="signin-refusal">
            {methods.refusal.message}
          </p>
        )}
        {methods?.schoolAccount && (
          <>
            <SchoolAccountButton methods={methods} />
            {!passwordAside && <p class="signin-or muted">or with your Vetted password</p>}
          </>
        )}
        {passwordAside ? (
          <details class="break-glass">
            <summary>Emergency sign-in for the school’s break-glass admin</summary>
            <p class="small muted">Password sign-in is turned off for this school. Only the admin named for emergencies can use it.</p>
            {form}
          </details>
        ) : (
          form
        )}
      </section>
    </main>
  );
}

function Reminder({
  user,
  text,
  version,
  onDone,
  onOutdated,
  onSignOut,
}: {
  user: StaffUser;
  text: string;
  version: number;
  onDone: () => void;
  onOutdated: () => void;
  onSignOut: () => void;
}) {
  useTitle('E-safety reminder — Vetted');
  const [read, setRead] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const headRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headRef.current?.focus(), []);

  const acknowledge = async () => {
    setBusy(true);
    setError('');
    try {
      await api('POST', '/api/reminder/acknowledge', { version }, { gate: true });
      onDone();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'reminder_outdated') return onOutdated();
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <main class="center-page">
      <section class="card reminder" aria-labelledby="reminder-title">
        <h1 id="reminder-title" tabIndex={-1} ref={headRef}>
          Before you start: the school’s e-safety reminder
        </h1>
        <p class="muted">
          Signed in as {user.email}. This reminder is shown every time you sign in (version {version}).
        </p>
        <blockquote class="reminder-text" data-testid="reminder-text">
          {text}
        </blockquote>
        <label class="check">
          <input type="checkbox" checked={read} onChange={(e) => setRead(e.currentTarget.checked)} />
          <span>I have read this reminder and will follow it.</span>
        </label>
        <p class="field-error" role="alert">
          {error}
        </p>
        <div class="row">
          <Button variant="primary" disabled={!read} busy={busy} busyText="Saving…" onClick={acknowledge}>
            Continue
          </Button>
          <Button variant="quiet" onClick={onSignOut}>
            Sign out
          </Button>
        </div>
      </section>
    </main>
  );
}

/** After an admin reset (or a first sign-in with a password the admin chose): the person picks their own. */
function ChangePassword({ user, onDone, onSignOut }: { user: StaffUser; onDone: () => void; onSignOut: () => void }) {
  useTitle('Choose a new password — Vetted');
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const headRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headRef.current?.focus(), []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    if (next.length < 12) return setError('The new password needs at least 12 characters. A short sentence is easy to remember.');
    if (next !== again) return setError('The two new passwords are not the same. Type them again.');
    setBusy(true);
    try {
      await api('POST', '/api/password', { currentPassword: current, newPassword: next }, { gate: true });
      onDone();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <main class="center-page">
      <form class="card signin" onSubmit={submit}>
        <h1 tabIndex={-1} ref={headRef}>
          Choose your own password
        </h1>
        <p class="muted">
          {user.email}: the password you signed in with was set for you. Choose a new one that only you know — at least 12
          characters; a short sentence works well.
        </p>
        <label for="pw-current">The password you signed in with</label>
        <input id="pw-current" type="password" autocomplete="current-password" required value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
        <label for="pw-new">New password</label>
        <input id="pw-new" type="password" autocomplete="new-password" required minLength={12} value={next} onInput={(e) => setNext(e.currentTarget.value)} />
        <label for="pw-again">New password again</label>
        <input id="pw-again" type="password" autocomplete="new-password" required value={again} onInput={(e) => setAgain(e.currentTarget.value)} />
        <p class="field-error" role="alert">
          {error}
        </p>
        <div class="row">
          <Button type="submit" variant="primary" busy={busy} busyText="Saving…">
            Save my new password
          </Button>
          <Button variant="quiet" onClick={onSignOut}>
            Sign out
          </Button>
        </div>
      </form>
    </main>
  );
}
