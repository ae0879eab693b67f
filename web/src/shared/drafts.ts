import { useState } from 'preact/hooks';

/**
 * Words a teacher is typing, kept in this tab's session storage: a session that ends mid-sentence (and
 * the sign-in page that follows) does not lose them. Cleared once the action is done.
 */
export function useDraft(key: string, initial = ''): [string, (v: string) => void, () => void] {
  const storageKey = `vetted:draft:${key}`;
  const [value, setValue] = useState(() => read(storageKey) ?? initial);
  return [
    value,
    (v) => {
      setValue(v);
      write(storageKey, v || null);
    },
    () => {
      setValue(initial);
      write(storageKey, null);
    },
  ];
}

/** Someone signed out (or another person signed in): their unsent words must not show to the next person. */
export function forgetDrafts(): void {
  try {
    for (const key of Object.keys(sessionStorage)) if (key.startsWith('vetted:draft:')) sessionStorage.removeItem(key);
  } catch {
    /* storage refused: nothing was kept */
  }
}

function read(key: string): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    /* storage full or refused: the words stay on screen only */
  }
}
