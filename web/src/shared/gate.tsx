import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, errorText, SESSION_EVENT, type SessionProblem } from './api';
import type { Me, StaffUser } from './types';
import { Button, useTitle } from './ui';
import { SchoolAccountButton, useSignInMethods } from './school-sign-in';

type Phase =
  | { step: 'loading' }
  | { step: 'signin'; notice?: string }
  | { step: 'password'; user: StaffUser; next: Phase }
  | { step: 'reminder'; user: StaffUser; text: string; version: number }
  | { step: 'ready'; user: StaffUser };

/**
 * Sign-in, then the school's e-safety reminder — shown and acknowledged at every login, as the
 * school's policy asks — then the page. Any later 401 or "reminder not acknowledged" from the API
 * brings the person back here.
 */
export function Gate({ area, children }: { area: string; children: (user: StaffUser, signOut: () => Promise<void>) => ComponentChildren }) {
  const [phase, setPhase] = useState<Phase>({ step: 'loading' });

  const load = async (notice?: string) => {
    try {
      const me = await api<Me>('GET', '/api/me');
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
      if (kind === 'signed_out') setPhase({ step: 'signin', notice: 'Your session has ended. Please sign in again.' });
      else if (kind === 'password') setPhase((p) => ('user' in p ? { step: 'password', user: p.user, next: { step: 'ready', user: p.user } } : p));
      else void load();
    };
    window.addEventListener(SESSION_EVENT, onProblem);
    return () => window.removeEventListener(SESSION_EVENT, onProblem);
  }, []);

  const signOut = async () => {
    await api('POST', '/api/logout').catch(() => undefined);
    setPhase({ step: 'signin', notice: 'You have signed out.' });
  };

  if (phase.step === 'loading') return <main class="center-page" aria-busy="true"><p class="muted">Loading…</p></main>;
  if (phase.step === 'signin') {
    return (
      <SignIn
        area={area}
        notice={phase.notice}
        onSignedIn={(r) => {
          const reminder: Phase = { step: 'reminder', user: r.user, text: r.reminder, version: r.reminderVersion };
          setPhase(r.mustChangePassword ? { step: 'password', user: r.user, next: reminder } : reminder);
        }}
      />
    );
  }
  if (phase.step === 'password') {
    return <ChangePassword user={phase.user} onDone={() => setPhase(phase.next)} onSignOut={signOut} />;
  }
  if (phase.step === 'reminder') {
    return (
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
  return <>{children(phase.user, signOut)}</>;
}

interface LoginAnswer {
  user: StaffUser;
  reminder: string;
  reminderVersion: number;
  mustChangePassword?: boolean;
}

function SignIn({ area, notice, onSignedIn }: { area: string; notice?: string; onSignedIn: (r: LoginAnswer) => void }) {
  useTitle(`Sign in — Vetted ${area}`);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const emailRef = useRef<HTMLInputElement>(null);
  const methods = useSignInMethods();
  // Passwords off: only the break-glass admin uses the form, tucked away below the school-account button.
  const passwordAside = methods !== null && !methods.password;
  useEffect(() => {
    if (methods && !passwordAside) emailRef.current?.focus();
  }, [methods, passwordAside]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await api<LoginAnswer>('POST', '/api/login', { email: email.trim(), password }));
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
      <section class="card signin" aria-labelledby="signin-title">
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
      await api('POST', '/api/reminder/acknowledge', { version });
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
      await api('POST', '/api/password', { currentPassword: current, newPassword: next });
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
