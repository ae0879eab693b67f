import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText } from '../shared/api';
import type { ClassInfo } from '../shared/types';
import { Button, Dialog } from '../shared/ui';
import { clock } from '../shared/words';
import type { PairingCode } from '@contract';

type Pairing = PairingCode;

/**
 * Pairs a classroom board without typing its long secret link: a six-character code to type on
 * the board's /pair page (for a whiteboard with no camera), or a QR code for a tablet's camera.
 */
export function PairDialog({ cls, onClose }: { cls: ClassInfo | null; onClose: () => void }) {
  const [pairing, setPairing] = useState<Pairing | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [left, setLeft] = useState(0);
  const [copied, setCopied] = useState('');
  const linkRef = useRef<HTMLInputElement>(null);

  const newCode = async (c: ClassInfo) => {
    setBusy(true);
    setError('');
    try {
      setPairing(await api<Pairing>('POST', `/api/classes/${c.id}/pairing`));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    setPairing(null);
    setCopied('');
    if (cls) void newCode(cls);
  }, [cls?.id]);

  useEffect(() => {
    if (!pairing) return;
    const tick = () => setLeft(Math.max(0, Math.round((Date.parse(pairing.expiresAt) - Date.now()) / 1000)));
    tick();
    const t = setInterval(tick, 1000);
    return () => clearInterval(t);
  }, [pairing]);

  const copy = async () => {
    const url = cls?.board.url ?? '';
    try {
      await navigator.clipboard.writeText(url);
      setCopied('Board link copied.');
    } catch {
      // No clipboard access (plain http on a school network): select the text so Ctrl+C works.
      linkRef.current?.select();
      setCopied('Press Ctrl+C (or ⌘C) to copy the selected link.');
    }
  };

  return (
    <Dialog open={cls !== null} title={cls ? `Pair a board with ${cls.name}` : 'Pair a board'} onClose={onClose} wide>
      {cls && (
        <div class="pair-grid">
          <section aria-labelledby="pair-code-h">
            <h3 id="pair-code-h">On the whiteboard</h3>
            <ol class="steps">
              <li>
                Open <strong>{pairing?.pairUrl ?? `${location.origin}/pair`}</strong> in the board’s browser.
              </li>
              <li>Type this code:</li>
            </ol>
            {pairing && left > 0 ? (
              <p class="pair-code" data-testid="pair-code" aria-label={`Code ${pairing.code.split('').join(' ')}`}>
                {pairing.code}
              </p>
            ) : (
              <p class="pair-code expired" aria-live="polite">
                {busy ? '……' : 'Expired'}
              </p>
            )}
            <p class="muted small" aria-live="off">
              {pairing && left > 0 ? `Works once, for ${clock(left)} more.` : ''}
            </p>
            <p class="field-error" role="alert">
              {error}
            </p>
            <Button variant="plain" busy={busy} busyText="Making a code…" onClick={() => void newCode(cls)}>
              New code
            </Button>
          </section>
          <section aria-labelledby="pair-qr-h">
            <h3 id="pair-qr-h">On a tablet</h3>
            <p>Scan this with the tablet’s camera to open the board.</p>
            <img
              class="qr"
              src={`/api/classes/${cls.id}/board-qr.svg`}
              alt={`QR code that opens the board of ${cls.name}`}
              width={220}
              height={220}
            />
          </section>
          <section class="pair-link" aria-labelledby="pair-link-h">
            <h3 id="pair-link-h">Or use the board link</h3>
            <p class="muted small">Keep it private: anyone with this link sees the class’s approved videos.</p>
            <div class="row">
              <label class="visually-hidden" for="board-link">
                Board link
              </label>
              <input id="board-link" ref={linkRef} type="text" readOnly value={cls.board.url} class="grow" />
              <Button variant="plain" onClick={() => void copy()}>
                Copy link
              </Button>
            </div>
            <p role="status" class="small">
              {copied}
            </p>
          </section>
        </div>
      )}
    </Dialog>
  );
}
