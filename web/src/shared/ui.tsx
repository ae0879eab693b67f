import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';

/**
 * Small pieces every page uses: a status message region that screen readers announce, busy
 * buttons that say what they are doing, and a dialog built on the native <dialog> element
 * (focus trapping and Escape come free).
 */

export type Tone = 'ok' | 'error' | 'info';
export interface Flash {
  tone: Tone;
  text: string;
  /** Changes on every flash so the same sentence twice is still announced. */
  at: number;
}

/** One message at a time, announced politely (or assertively for errors), cleared after a while. */
export function useFlash(): [Flash | null, (tone: Tone, text: string) => void, () => void] {
  const [flash, setFlash] = useState<Flash | null>(null);
  useEffect(() => {
    if (!flash || flash.tone === 'error') return;
    const t = setTimeout(() => setFlash(null), 8000);
    return () => clearTimeout(t);
  }, [flash]);
  return [flash, (tone, text) => setFlash({ tone, text, at: Date.now() }), () => setFlash(null)];
}

export function FlashLine({ flash, onClose }: { flash: Flash | null; onClose?: () => void }) {
  return (
    <div class="flash-slot" role={flash?.tone === 'error' ? 'alert' : 'status'} aria-live={flash?.tone === 'error' ? 'assertive' : 'polite'}>
      {flash && (
        <p class={`flash flash-${flash.tone}`} key={flash.at} data-testid="flash">
          <span>{flash.text}</span>
          {onClose && (
            <button type="button" class="link-button" onClick={onClose}>
              Dismiss
            </button>
          )}
        </p>
      )}
    </div>
  );
}

type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'type'> & {
  busy?: boolean;
  busyText?: string;
  variant?: 'primary' | 'good' | 'bad' | 'quiet' | 'plain';
  type?: 'button' | 'submit';
  disabled?: boolean;
};

export function Button({ busy, busyText, variant = 'plain', children, class: cls, disabled, type = 'button', ...rest }: ButtonProps) {
  return (
    <button
      {...rest}
      type={type}
      class={`btn btn-${variant} ${cls ?? ''}`}
      disabled={disabled || busy}
      aria-busy={busy ? 'true' : undefined}
    >
      {busy ? (busyText ?? 'Working…') : children}
    </button>
  );
}

/**
 * True while the person signs in again over their kept page: an open dialog steps aside (a modal
 * would leave the sign-in form inert) and comes back, words and all, afterwards.
 */
export const SignInPending = createContext(false);

/** A modal dialog that opens with showModal() and reports every way of closing it. */
export function Dialog({
  open,
  title,
  onClose,
  children,
  wide,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useRef(`dlg-${Math.random().toString(36).slice(2)}`).current;
  // Closing because `open` turned false is the parent's doing: do not report it back as a close.
  const closingForParent = useRef(false);
  const paused = useContext(SignInPending);
  const shown = open && !paused;
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (shown && !d.open) d.showModal();
    if (!shown && d.open) {
      closingForParent.current = true;
      d.close();
    }
  }, [shown]);
  const closed = () => {
    if (closingForParent.current) closingForParent.current = false;
    else onClose();
  };
  return (
    <dialog ref={ref} class={`dialog ${wide ? 'dialog-wide' : ''}`} aria-labelledby={`${id}-t`} onClose={closed}>
      {open && (
        <div class="dialog-body">
          <div class="dialog-head">
            <h2 id={`${id}-t`}>{title}</h2>
            <button type="button" class="btn btn-quiet icon-button" aria-label="Close" onClick={onClose}>
              ✕
            </button>
          </div>
          {children}
        </div>
      )}
    </dialog>
  );
}

/** A labelled progress bar; `value` undefined means "busy, amount not known". */
export function ProgressBar({ value, label, text }: { value?: number; label: string; text?: string }) {
  return (
    <div class="progress-wrap">
      <progress class="progress" max={100} value={value} aria-label={label} />
      {text && (
        <span class="progress-text" aria-hidden="true">
          {text}
        </span>
      )}
    </div>
  );
}

/** Sets the page title (the first thing a screen reader says after a view changes). */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title;
  }, [title]);
}
