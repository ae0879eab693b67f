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

/** An action the session ended in the middle of: asked again after signing in, never done twice. */
export const interrupted = {
  get: (key: string) => read(`vetted:interrupted:${key}`),
  set: (key: string, what: string) => write(`vetted:interrupted:${key}`, what),
  clear: (key: string) => write(`vetted:interrupted:${key}`, null),
};

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
