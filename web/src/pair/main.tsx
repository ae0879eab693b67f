import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import '../board/board.css';

const LAST_BOARD_KEY = 'vetted.board';

/**
 * `/pair`: a classroom board types the six-character code the teacher's desk shows, and is sent to
 * its class board. Nothing to sign in to on the board; the code works once and for ten minutes.
 */
function Pair() {
  const initial = new URLSearchParams(location.search).get('code') ?? '';
  const [code, setCode] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const input = useRef<HTMLInputElement>(null);
  let last: string | null = null;
  try {
    last = localStorage.getItem(LAST_BOARD_KEY);
  } catch {
    /* private mode */
  }

  useEffect(() => {
    input.current?.focus();
    if (initial) void send(initial);
  }, []);

  async function send(value: string) {
    const clean = value.toUpperCase().replace(/[^A-Z0-9]/g, '');
    if (clean.length !== 6) {
      setError('The code has six letters and numbers.');
      return;
    }
    setBusy(true);
    setError('');
    try {
      const res = await fetch('/api/pair', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ code: clean }),
      });
      const body = (await res.json().catch(() => null)) as { boardUrl?: string; error?: { message?: string } } | null;
      if (!res.ok || !body?.boardUrl) throw new Error(body?.error?.message ?? 'That code did not work. Ask your teacher for a new one.');
      location.replace(body.boardUrl);
    } catch (e) {
      setError(e instanceof TypeError ? 'Vetted could not be reached. Check the network and try again.' : (e as Error).message);
      setBusy(false);
      input.current?.select();
    }
  }

  return (
    <main class="board-center pair-page">
      <h1>Pair this board</h1>
      <p class="pair-hint">On the teacher’s desk, open the class and press “Pair a board”. Type the code it shows.</p>
      <form
        class="pair-form"
        onSubmit={(e) => {
          e.preventDefault();
          void send(code);
        }}
      >
        <label for="pair-code">Code</label>
        <input
          id="pair-code"
          ref={input}
          class="pair-input"
          type="text"
          inputMode="text"
          autocomplete="off"
          autocapitalize="characters"
          spellcheck={false}
          maxLength={9}
          value={code}
          aria-describedby="pair-error"
          aria-invalid={error ? 'true' : undefined}
          onInput={(e) => setCode(e.currentTarget.value.toUpperCase())}
        />
        <p id="pair-error" class="board-error" role="alert">
          {error}
        </p>
        <button type="submit" class="big-button play" disabled={busy} aria-busy={busy}>
          {busy ? 'Pairing…' : 'Open the board'}
        </button>
      </form>
      {last && last.startsWith('/board/') && (
        <p>
          <a class="big-button quiet" href={last}>
            Open the last board used here
          </a>
        </p>
      )}
    </main>
  );
}

render(<Pair />, document.getElementById('app')!);
