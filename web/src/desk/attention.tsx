import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { api, SIGNED_IN_AGAIN_EVENT } from '../shared/api';
import { href } from '../shared/route';
import type { Attention } from '@contract';

export type AttentionSummary = Attention;

const AttentionContext = createContext<AttentionSummary | null>(null);
export const AttentionProvider = AttentionContext.Provider;
export const useAttentionSummary = () => useContext(AttentionContext);

/**
 * What waits for this teacher, live: the counts per class and the items reported from a board, from
 * `/api/attention/events` (a report reaches the class's teachers at once), with a slow poll as a fallback
 * where a school proxy holds event streams back.
 */
export function useAttention(): AttentionSummary | null {
  const [summary, setSummary] = useState<AttentionSummary | null>(null);
  useEffect(() => {
    let es: EventSource | undefined;
    const take = (s: AttentionSummary) => setSummary(s);
    const listen = () => {
      es?.close();
      if (typeof EventSource === 'undefined') return;
      es = new EventSource('/api/attention/events');
      es.addEventListener('attention', (e) => {
        try {
          take(JSON.parse((e as MessageEvent<string>).data) as AttentionSummary);
        } catch {
          /* not ours */
        }
      });
    };
    listen();
    // A lost session closes the stream for good; signed in again over the same page, open it again.
    window.addEventListener(SIGNED_IN_AGAIN_EVENT, listen);
    const poll = setInterval(() => void api<AttentionSummary>('GET', '/api/attention').then(take).catch(() => undefined), 30_000);
    void api<AttentionSummary>('GET', '/api/attention').then(take).catch(() => undefined);
    return () => {
      es?.close();
      window.removeEventListener(SIGNED_IN_AGAIN_EVENT, listen);
      clearInterval(poll);
    };
  }, []);
  return summary;
}

const DISMISSED_KEY = 'vetted:reports-seen';

function dismissedIds(): Set<string> {
  try {
    return new Set(JSON.parse(sessionStorage.getItem(DISMISSED_KEY) ?? '[]') as string[]);
  } catch {
    return new Set();
  }
}

/** A report from a board, shown on every desk page until the teacher has seen it. */
export function ReportBanner({ summary }: { summary: AttentionSummary | null }) {
  const [dismissed, setDismissed] = useState(dismissedIds);
  const open = (summary?.reported ?? []).filter((r) => !dismissed.has(r.id));
  if (!open.length) return null;
  const dismiss = () => {
    const next = new Set([...dismissed, ...open.map((r) => r.id)]);
    setDismissed(next);
    try {
      sessionStorage.setItem(DISMISSED_KEY, JSON.stringify([...next]));
    } catch {
      /* kept for this page only */
    }
  };
  return (
    <section class="report-banner" role="alert" aria-labelledby="report-banner-h" data-testid="report-banner">
      <h2 id="report-banner-h">{open.length === 1 ? 'Something was reported' : `${open.length} things were reported`}</h2>
      <ul>
        {open.slice(0, 3).map((r) => (
          <li key={r.id}>
            <a href={href('item', r.id)}>“{r.title || 'Untitled'}”</a> ({r.className}) was reported {r.fromBoard ? 'from the class board' : 'by a colleague'}
            {r.note ? `: “${r.note}”` : ''}. It is off every board until the e-safety lead decides.
          </li>
        ))}
      </ul>
      {open.length > 3 && <p>And {open.length - 3} more.</p>}
      <button type="button" class="btn btn-plain" onClick={dismiss}>
        I have seen {open.length === 1 ? 'it' : 'them'}
      </button>
    </section>
  );
}
