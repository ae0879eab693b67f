import { useState } from 'preact/hooks';
import { api, errorText } from '../shared/api';
import { Button, FlashLine, useFlash } from '../shared/ui';
import { LoadError, Missing, SectionHead, useResource } from './common';
import type { SignInSettings } from '@contract';


/** How staff sign in: the school account (set up on the server), and whether passwords still work. */
export function SignInSection() {
  const { data, error, missing, reload } = useResource<SignInSettings>('/api/admin/sign-in');
  const [flash, say, clear] = useFlash();
  const [busy, setBusy] = useState(false);

  const [checking, setChecking] = useState(false);
  const check = async () => {
    setChecking(true);
    try {
      const r = await api<{ ok: boolean; message: string }>('GET', '/api/admin/sign-in/check');
      say(r.ok ? 'ok' : 'error', r.message);
    } catch (e) {
      say('error', errorText(e));
    } finally {
      setChecking(false);
    }
  };

  const setPasswords = async (on: boolean) => {
    setBusy(true);
    try {
      await api('PUT', '/api/admin/sign-in', { passwordSignIn: on });
      say('ok', on ? 'Staff can sign in with their Vetted password again.' : 'Password sign-in is off: staff sign in with their school account.');
      await reload();
    } catch (e) {
      say('error', errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <SectionHead title="Sign-in">
        Staff sign in with the school’s own accounts (Google or Microsoft) when the server is set up for it, so the school’s
        password rules, two-factor sign-in and leavers’ process apply. The staff list shows how each account signs in.
      </SectionHead>
      <FlashLine flash={flash} onClose={clear} />
      {missing ? <Missing what="sign-in settings" /> : <LoadError error={error} />}
      {data && (
        <>
          <h2>School account</h2>
          {data.schoolAccount ? (
            <>
              <dl class="facts" data-testid="school-account-settings">
                <dt>Provider</dt>
                <dd>{data.schoolAccount.issuer}</dd>
                <dt>Button</dt>
                <dd>{data.schoolAccount.label}</dd>
                <dt>Email domains allowed</dt>
                <dd>{data.schoolAccount.allowedDomains.join(', ')}</dd>
                <dt>New people</dt>
                <dd>{data.schoolAccount.autoCreate === 'teacher' ? 'get a teacher account at their first sign-in' : 'need an account added here first'}</dd>
                <dt>Redirect address to register at the provider</dt>
                <dd>
                  <code>{data.schoolAccount.redirectUri}</code>
                </dd>
              </dl>
              <div class="row">
                <Button variant="plain" busy={checking} busyText="Checking…" onClick={() => void check()}>
                  Check the connection to the provider
                </Button>
              </div>
            </>
          ) : (
            <p>Not set up. Whoever runs the server sets <code>OIDC_ISSUER</code> and the other settings described in the README.</p>
          )}
          <h2>Passwords</h2>
          <p data-testid="password-sign-in-state">
            {data.passwordSignIn.open
              ? 'Staff can sign in with a Vetted password.'
              : data.passwordSignIn.byConfiguration === 'off'
                ? 'Password sign-in is off in the server’s configuration.'
                : 'Password sign-in is off for this school.'}{' '}
            {data.breakGlassAdmin ? (
              `The break-glass admin, ${data.breakGlassAdmin.email}, can always sign in with a password.`
            ) : (
              <>
                No break-glass admin is named. Name one on the server with <code>npm run cli -- user break-glass --email …</code>, so a
                broken sign-in service never locks the school out.
              </>
            )}
          </p>
          {data.passwordSignIn.byConfiguration === 'on' && (
            <div class="row">
              {data.passwordSignIn.open ? (
                <Button variant="plain" busy={busy} disabled={!data.schoolAccount} onClick={() => void setPasswords(false)}>
                  Turn password sign-in off
                </Button>
              ) : (
                <Button variant="plain" busy={busy} onClick={() => void setPasswords(true)}>
                  Turn password sign-in back on
                </Button>
              )}
            </div>
          )}
        </>
      )}
    </>
  );
}
