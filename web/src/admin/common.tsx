import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorText } from '../shared/api';

/** Loads one admin resource; `missing` is true when this server does not have the route at all. */
export function useResource<T>(path: string): {
  data: T | null;
  error: string;
  missing: boolean;
  reload: () => Promise<void>;
  set: (d: T) => void;
} {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState('');
  const [missing, setMissing] = useState(false);
  const reload = async () => {
    try {
      setData(await api<T>('GET', path));
      setError('');
    } catch (e) {
      if (e instanceof ApiError && e.status === 404 && e.code === 'not_found') setMissing(true);
      setError(errorText(e));
    }
  };
  useEffect(() => void reload(), [path]);
  return { data, error, missing, reload, set: setData };
}

export function SectionHead({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="view-head">
      <h1>{title}</h1>
      {children && <p class="muted">{children}</p>}
    </div>
  );
}

/** Shown instead of a section whose API this server does not offer (yet). */
export function Missing({ what }: { what: string }) {
  return (
    <p class="flash flash-error">
      This server does not offer {what} yet. Update Vetted, or ask whoever installed it.
    </p>
  );
}

export function LoadError({ error }: { error: string }) {
  return error ? <p class="flash flash-error">{error}</p> : null;
}
