import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../../shared/api';
import type { Item } from '../../shared/types';
import type { WatchState } from '@contract';

/** What this reviewer has played of the copy, as the server counts it (POST/GET /api/items/:id/viewing). */
export type { WatchState };

export type Range = [number, number];

/** Sorted, merged ranges (the server does the same; the desk merges to show progress at once). */
export function merge(ranges: readonly Range[], joinGap = 0): Range[] {
  const sorted = ranges.filter(([a, b]) => b > a).map(([a, b]) => [a, b] as Range).sort((x, y) => x[0] - y[0]);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + joinGap) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}

export function covered(ranges: readonly Range[], length: number): number {
  if (!(length > 0)) return 0;
  return Math.min(1, merge(ranges.map(([a, b]) => [Math.max(0, a), Math.min(length, b)] as Range)).reduce((s, [a, b]) => s + b - a, 0) / length);
}

const REPORT_MS = 4000;

export interface Watching {
  /** null while loading, or when the copy cannot be watched (still being made). */
  state: WatchState | null;
  /** All seen so far: the server's ranges and this page's own, merged. */
  ranges: Range[];
  /** Seen share 0–1, counting what this page has not reported yet. */
  coverage: number;
  /** The school requires watching before approval. */
  required: boolean;
  met: boolean;
  add(range: Range): void;
  /** Sends what is not yet reported (on pause, at the end, before approving). */
  flush(): Promise<void>;
}

/**
 * Reports what the reviewer plays (video: seconds of the copy) or scrolls through (page: fractions of its
 * height) every few seconds, and keeps the server's count of it.
 */
export function useWatching(item: Item | null): Watching {
  const [state, setState] = useState<WatchState | null>(null);
  const [local, setLocal] = useState<Range[]>([]);
  const sentKey = useRef('');
  const localRef = useRef<Range[]>([]);
  const reviewable = !!item && ['awaiting_review', 'approved'].includes(item.status) && !!item.media;
  const id = item?.id ?? '';
  const copy = item?.media?.video ?? item?.media?.page ?? '';
  const page = item?.kind === 'webpage';
  const length = page ? 1 : (item?.durationSeconds ?? 0);

  useEffect(() => {
    setState(null);
    setLocal([]);
    localRef.current = [];
    sentKey.current = '';
    if (!reviewable) return;
    let live = true;
    api<WatchState>('GET', `/api/items/${id}/viewing`)
      .then((s) => live && setState(s))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [id, copy, reviewable]);

  const flush = async () => {
    const ranges = localRef.current;
    const key = JSON.stringify(ranges);
    if (!ranges.length || key === sentKey.current) return;
    sentKey.current = key;
    try {
      setState(await api<WatchState>('POST', `/api/items/${id}/viewing`, { ranges }));
    } catch (e) {
      // Too much at once (faster than twice the speed): those seconds do not count; anything else is retried.
      if (e instanceof ApiError && e.code === 'viewing_too_fast') {
        localRef.current = [];
        setLocal([]);
      } else sentKey.current = '';
    }
  };

  useEffect(() => {
    if (!reviewable) return;
    const t = setInterval(() => void flush(), REPORT_MS);
    return () => {
      clearInterval(t);
      void flush();
    };
  }, [id, copy, reviewable]);

  const all = merge([...(state?.ranges ?? []), ...local], page ? 0.001 : 0.5);
  const coverage = Math.max(state?.coverage ?? 0, covered(all, length));
  const required = state ? state.required !== null : true;
  const needed = state?.required ?? 0.95;
  return {
    state,
    ranges: all,
    coverage,
    required,
    met: !!state && (state.met || coverage >= needed - 1e-9),
    add(range) {
      const next = merge([...localRef.current, range], page ? 0.001 : 0.5);
      localRef.current = next;
      setLocal(next);
    },
    flush,
  };
}
