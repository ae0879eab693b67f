import { useEffect, useRef, useState } from 'preact/hooks';

/** How long a grown-up holds "Report" before the confirmation opens: a child's tap does nothing. */
export const HOLD_MS = 2000;

/**
 * Reporting is for adults: press and hold for two seconds (a ring fills while held), then confirm in a
 * dialog. A tap, or letting go early, does nothing. Keyboard: hold Enter or Space.
 */
export function HoldToReport({ title, onReport }: { title: string; onReport: () => void }) {
  const [holding, setHolding] = useState(false);
  const [hint, setHint] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const stop = (tapped: boolean) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = undefined;
    if (tapped && holding) setHint(true);
    setHolding(false);
  };
  const start = () => {
    if (timer.current) return;
    setHint(false);
    setHolding(true);
    timer.current = setTimeout(() => {
      timer.current = undefined;
      setHolding(false);
      onReport();
    }, HOLD_MS);
  };
  useEffect(() => () => timer.current && clearTimeout(timer.current), []);
  useEffect(() => {
    if (!hint) return;
    const t = setTimeout(() => setHint(false), 4000);
    return () => clearTimeout(t);
  }, [hint]);

  return (
    <span class="hold-wrap">
      <button
        type="button"
        class={`hold-report${holding ? ' holding' : ''}`}
        data-testid="hold-report"
        aria-describedby="hold-report-how"
        onPointerDown={(e) => {
          e.preventDefault();
          start();
        }}
        onPointerUp={() => stop(true)}
        onPointerLeave={() => stop(false)}
        onPointerCancel={() => stop(false)}
        onContextMenu={(e) => e.preventDefault()}
        onKeyDown={(e) => {
          if ((e.key === 'Enter' || e.key === ' ') && !e.repeat) {
            e.preventDefault();
            start();
          }
        }}
        onKeyUp={(e) => {
          if (e.key === 'Enter' || e.key === ' ') stop(true);
        }}
        onClick={(e) => e.preventDefault()}
      >
        <span class="hold-ring" aria-hidden="true" />
        Report<span class="visually-hidden">: {title}</span>
      </button>
      {hint && (
        <span class="hold-hint" role="status">
          Grown-ups: hold for 2 seconds
        </span>
      )}
    </span>
  );
}

/** Said once to screen readers for every hold-to-report button on the page. */
export function HoldToReportHelp() {
  return (
    <p id="hold-report-how" class="visually-hidden">
      For grown-ups: press and hold for two seconds to report something wrong.
    </p>
  );
}
