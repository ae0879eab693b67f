import { useState } from 'preact/hooks';
import { api, errorText } from '../shared/api';
import type { StaffUser } from '../shared/types';
import { Button, Dialog, FlashLine, useFlash } from '../shared/ui';
import { dateTimeText } from '../shared/words';
import { LoadError, Missing, SectionHead, useResource } from './common';
import type { Account } from '@contract';


/** How an account signs in, in words. */
function signInText(u: Account): string {
  const words = (u.signInMethods ?? []).map((m) => (m === 'school_account' ? 'School account' : 'Password'));
  return (words.join(' · ') || 'None yet') + (u.breakGlass ? ' · break-glass admin' : '');
}

/**
 * The temporary password, shown once, with a Copy button. The clipboard needs a secure page (https, or this
 * machine); on a plain http:// installation the words are selected instead, ready for Ctrl+C.
 */
function TemporaryPassword({ password }: { password: string }) {
  const [copied, setCopied] = useState('');
  const copy = async () => {
    const node = document.getElementById('temporary-password-text');
    try {
      await navigator.clipboard.writeText(password);
      setCopied('Copied. Paste it where you will hand it over, then press Done.');
    } catch {
      if (node) window.getSelection()?.selectAllChildren(node);
      setCopied('Selected: press Ctrl+C (⌘C on a Mac) to copy it.');
    }
  };
  return (
    <>
      <p class="temp-password" data-testid="temporary-password" id="temporary-password-text">
        {password}
      </p>
      <div class="row">
        <Button variant="plain" onClick={() => void copy()}>
          Copy the password
        </Button>
        <span role="status" class="small" data-testid="temporary-password-copied">
          {copied}
        </span>
      </div>
    </>
  );
}

/** Staff accounts: add, change role, disable and re-enable, reset a password, export or erase a person's data. */
export function StaffSection({ me }: { me: StaffUser }) {
  const { data, error, missing, reload } = useResource<{ users: Account[] }>('/api/admin/users');
  const [flash, say, clear] = useFlash();
  const [busy, setBusy] = useState('');
  const [temporary, setTemporary] = useState<{ email: string; password: string } | null>(null);
  const [erasing, setErasing] = useState<Account | null>(null);
  // Account changes act only after a second, explicit yes (issue 15: one click must not disable a colleague).
  const [confirming, setConfirming] = useState<{ title: string; text: string; yes: string; run: () => Promise<void> } | null>(null);

  const change = async (u: Account, body: { disabled?: boolean; role?: string }, ok: string) => {
    setBusy(u.id);
    try {
      await api('PATCH', `/api/admin/users/${u.id}`, body);
      say('ok', ok);
      await reload();
    } catch (e) {
      say('error', errorText(e));
    } finally {
      setBusy('');
    }
  };

  const reset = async (u: Account) => {
    setBusy(u.id);
    try {
      const r = await api<{ temporaryPassword: string }>('POST', `/api/admin/users/${u.id}/reset-password`);
      setTemporary({ email: u.email, password: r.temporaryPassword });
      say('ok', `Password of ${u.email} reset. Their sessions have ended.`);
      await reload();
    } catch (e) {
      say('error', errorText(e));
    } finally {
      setBusy('');
    }
  };

  const erase = async () => {
    if (!erasing) return;
    setBusy(erasing.id);
    try {
      await api('POST', `/api/admin/users/${erasing.id}/erase`);
      say('ok', `The account of ${erasing.email} was erased. The audit log now shows them under a pseudonym.`);
      setErasing(null);
      await reload();
    } catch (e) {
      say('error', errorText(e));
    } finally {
      setBusy('');
    }
  };

  return (
    <>
      <SectionHead title="Staff accounts">
        Teachers vet and approve; admins (the e-safety lead, the headteacher) also see this console. A disabled account’s
        sessions end at once.
      </SectionHead>
      <FlashLine flash={flash} onClose={clear} />
      {missing ? <Missing what="staff accounts" /> : <LoadError error={error} />}
      <AddStaff
        onAdded={(email, withPassword) => {
          say('ok', withPassword ? `Account for ${email} added. Give them their password in person.` : `Account for ${email} added. They sign in with their school account.`);
          void reload();
        }}
        onError={(m) => say('error', m)}
      />
      {data && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Staff accounts</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Sign-in</th>
                <th scope="col">Last seen</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.users.map((u) => (
                <tr key={u.id} data-testid="staff-row">
                  <td>{u.email}</td>
                  <td>{u.role === 'admin' ? 'Admin' : 'Teacher'}</td>
                  <td>
                    {u.erased ? (
                      <span class="pill pill-muted">Erased</span>
                    ) : u.disabled ? (
                      <span class="pill pill-bad">Disabled</span>
                    ) : (
                      <span class="pill pill-good">Active</span>
                    )}
                    {u.mustChangePassword && !u.erased && <span class="small muted"> · must choose a password</span>}
                  </td>
                  <td class="small" data-testid="staff-sign-in">{u.erased ? '—' : signInText(u)}</td>
                  <td class="small">{u.lastSeenAt ? dateTimeText(u.lastSeenAt) : 'Never'}</td>
                  <td>
                    {!u.erased && (
                      <div class="row tight">
                        <Button
                          variant="plain"
                          busy={busy === u.id}
                          disabled={u.id === me.id && !u.disabled}
                          onClick={() =>
                            setConfirming({
                              title: u.disabled ? 'Let this person sign in again?' : 'Disable this account?',
                              text: u.disabled
                                ? `${u.email} will be able to sign in again.`
                                : `${u.email} is signed out at once and cannot sign in until you enable the account again. Their classes and items stay.`,
                              yes: u.disabled ? 'Enable' : 'Disable',
                              run: () => change(u, { disabled: !u.disabled }, u.disabled ? `${u.email} can sign in again.` : `${u.email} is disabled and signed out.`),
                            })
                          }
                        >
                          {u.disabled ? 'Enable' : 'Disable'}
                          <span class="visually-hidden"> {u.email}</span>
                        </Button>
                        <Button
                          variant="plain"
                          disabled={busy === u.id}
                          onClick={() =>
                            setConfirming({
                              title: u.role === 'admin' ? 'Make this person a teacher?' : 'Make this person an admin?',
                              text:
                                u.role === 'admin'
                                  ? `${u.email} will no longer manage accounts, filtering, incidents or the audit log.`
                                  : `${u.email} will manage staff accounts, the filtering rules, incidents and the audit log, and see every class.`,
                              yes: u.role === 'admin' ? 'Make teacher' : 'Make admin',
                              run: () =>
                                change(u, { role: u.role === 'admin' ? 'teacher' : 'admin' }, `${u.email} is now ${u.role === 'admin' ? 'a teacher' : 'an admin'}.`),
                            })
                          }
                        >
                          {u.role === 'admin' ? 'Make teacher' : 'Make admin'}
                          <span class="visually-hidden"> {u.email}</span>
                        </Button>
                        <Button
                          variant="plain"
                          disabled={busy === u.id}
                          onClick={() =>
                            setConfirming({
                              title: 'Reset this password?',
                              text: `${u.email} is signed out at once. You will see a temporary password once, to give them in person; they choose a new one with it.`,
                              yes: 'Reset password',
                              run: () => reset(u),
                            })
                          }
                        >
                          Reset password<span class="visually-hidden"> of {u.email}</span>
                        </Button>
                        <a class="btn btn-quiet" href={`/api/admin/users/${u.id}/export`} download>
                          Export data<span class="visually-hidden"> of {u.email}</span>
                        </a>
                        {u.id !== me.id && (
                          <Button variant="quiet" onClick={() => setErasing(u)}>
                            Erase…<span class="visually-hidden"> {u.email}</span>
                          </Button>
                        )}
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Dialog open={confirming !== null} title={confirming?.title ?? ''} onClose={() => setConfirming(null)}>
        {confirming && (
          <>
            <p>{confirming.text}</p>
            <div class="row end">
              <Button variant="plain" onClick={() => setConfirming(null)}>
                Cancel
              </Button>
              <Button
                variant="primary"
                data-testid="confirm-account-change"
                onClick={() => {
                  const run = confirming.run;
                  setConfirming(null);
                  void run();
                }}
              >
                {confirming.yes}
              </Button>
            </div>
          </>
        )}
      </Dialog>
      <Dialog open={temporary !== null} title="Temporary password" onClose={() => setTemporary(null)}>
        {temporary && (
          <>
            <p>
              Give this to <strong>{temporary.email}</strong> in person. It works once, only to choose a new password. It is
              not shown again.
            </p>
            <TemporaryPassword password={temporary.password} />
            <div class="row end">
              <Button variant="primary" onClick={() => setTemporary(null)}>
                Done
              </Button>
            </div>
          </>
        )}
      </Dialog>
      <Dialog open={erasing !== null} title="Erase this account?" onClose={() => setErasing(null)}>
        {erasing && (
          <>
            <p>
              <strong>{erasing.email}</strong> can no longer sign in, and their email is removed. The audit and incident logs
              keep their entries under a pseudonym. This cannot be undone.
            </p>
            <div class="row end">
              <Button variant="plain" onClick={() => setErasing(null)}>
                Cancel
              </Button>
              <Button variant="bad" busy={busy === erasing.id} busyText="Erasing…" onClick={() => void erase()}>
                Erase the account
              </Button>
            </div>
          </>
        )}
      </Dialog>
    </>
  );
}

function AddStaff({ onAdded, onError }: { onAdded: (email: string, withPassword: boolean) => void; onError: (m: string) => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'teacher' | 'admin'>('teacher');
  const [password, setPassword] = useState('');
  const [mustChange, setMustChange] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  // With school-account sign-in set up, a new person needs no Vetted password at all.
  const signIn = useResource<{ schoolAccount: { label: string } | null }>('/api/admin/sign-in');
  const schoolAccount = signIn.data?.schoolAccount ?? null;
  const [passwordless, setPasswordless] = useState(true);
  const withPassword = !schoolAccount || !passwordless;

  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    if (withPassword && password.length < 12) return setError('The password needs at least 12 characters.');
    setBusy(true);
    try {
      await api('POST', '/api/admin/users', withPassword ? { email: email.trim(), role, password, mustChangePassword: mustChange } : { email: email.trim(), role });
      onAdded(email.trim(), withPassword);
      setEmail('');
      setPassword('');
    } catch (err) {
      setError(errorText(err));
      onError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card admin-form" onSubmit={submit}>
      <h2>Add a member of staff</h2>
      <div class="form-grid">
        <div class="field">
          <label for="staff-email">Email</label>
          <input id="staff-email" type="email" required autocomplete="off" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="staff-role">Role</label>
          <select id="staff-role" value={role} onChange={(e) => setRole(e.currentTarget.value as 'teacher' | 'admin')}>
            <option value="teacher">Teacher</option>
            <option value="admin">Admin (e-safety lead)</option>
          </select>
        </div>
        {withPassword && (
          <div class="field">
            <label for="staff-password">First password</label>
            <input
              id="staff-password"
              type="password"
              required
              minLength={12}
              autocomplete="new-password"
              value={password}
              aria-describedby="staff-password-hint"
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
            <p id="staff-password-hint" class="hint">
              At least 12 characters, not a common password.
            </p>
          </div>
        )}
      </div>
      {schoolAccount && (
        <label class="check">
          <input type="checkbox" checked={passwordless} onChange={(e) => setPasswordless(e.currentTarget.checked)} />
          <span>They sign in with their school account only (“{schoolAccount.label}”): no Vetted password</span>
        </label>
      )}
      {withPassword && (
        <label class="check">
          <input type="checkbox" checked={mustChange} onChange={(e) => setMustChange(e.currentTarget.checked)} />
          <span>Ask them to choose their own password when they first sign in</span>
        </label>
      )}
      <p class="field-error" role="alert">
        {error}
      </p>
      <Button type="submit" variant="primary" busy={busy} busyText="Adding…">
        Add account
      </Button>
    </form>
  );
}
