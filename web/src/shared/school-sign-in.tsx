import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import type { SignInMethods } from '@contract';

/** What the sign-in page offers (GET /api/auth/methods), with the sentence of a refused school-account sign-in. */
export type { SignInMethods };

/**
 * Asks the server which ways in the school allows. A refused school-account sign-in comes back as `?signin=<code>`:
 * the sentence is the server's (only known codes have one), and the code leaves the address bar so a reload does
 * not show it again.
 */
export function useSignInMethods(): SignInMethods | null {
  const [methods, setMethods] = useState<SignInMethods | null>(null);
  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    const refusal = params.get('signin');
    if (refusal !== null) {
      params.delete('signin');
      const rest = params.toString();
      window.history.replaceState(null, '', `${window.location.pathname}${rest ? `?${rest}` : ''}${window.location.hash}`);
    }
    api<SignInMethods>('GET', `/api/auth/methods${refusal ? `?refusal=${encodeURIComponent(refusal.slice(0, 64))}` : ''}`)
      .then(setMethods)
      // Without an answer the page offers what it always did: the password form.
      .catch(() => setMethods({ password: true, schoolAccount: null, refusal: null }));
  }, []);
  return methods;
}

/** The button that starts a school-account sign-in; a plain link, since the provider is a full-page visit. */
export function SchoolAccountButton({ methods }: { methods: SignInMethods }) {
  if (!methods.schoolAccount) return null;
  const back = window.location.pathname.startsWith('/admin') ? '/admin' : '/';
  return (
    <a class="btn btn-primary wide school-sign-in" href={`${methods.schoolAccount.start}?return=${encodeURIComponent(back)}`}>
      {methods.schoolAccount.label}
    </a>
  );
}
