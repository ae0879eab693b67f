/** The one way the pages talk to the server: JSON in, JSON out, errors as sentences a teacher can act on. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Sent when the server says the session is over or the reminder needs acknowledging. */
export const SESSION_EVENT = 'vetted:session';
export type SessionProblem = 'signed_out' | 'reminder' | 'password';

function sessionProblem(kind: SessionProblem): void {
  window.dispatchEvent(new CustomEvent<SessionProblem>(SESSION_EVENT, { detail: kind }));
}

/** Longer away than this and a held action is not sent after all: things may have changed meanwhile. */
const HOLD_LIMIT_MS = 30 * 60_000;

interface Held {
  since: number;
  resume: () => void;
  abandon: (message: string) => void;
}

/**
 * Requests the server refused because the session ended (or the reminder or a new password is due)
 * while someone was signed in on this page. They wait — with the page and everything typed on it kept
 * — until the same person has signed in again, and are then sent once more: the server refused them
 * before doing anything, so the action is done exactly once, or clearly not at all.
 */
const held = new Set<Held>();
let signedInOnce = false;

export const session = {
  /** The gate calls this when someone is signed in and the page is theirs. */
  ready(): void {
    if (signedInOnce) window.dispatchEvent(new Event(SIGNED_IN_AGAIN_EVENT));
    signedInOnce = true;
    const now = Date.now();
    for (const h of [...held]) {
      held.delete(h);
      if (now - h.since > HOLD_LIMIT_MS) {
        h.abandon('You were signed out for a long time, so this was not done (things may have changed meanwhile). Check the page and do it again.');
      } else h.resume();
    }
  },
  /** Someone else signed in on this page, or the person signed out: nothing held is sent. */
  drop(message = 'You were signed out before this was done, so nothing was changed.'): void {
    for (const h of [...held]) {
      held.delete(h);
      h.abandon(message);
    }
  },
  /** How many actions wait for the sign-in (the sign-in page says so). */
  waiting: () => held.size,
};

const heldReads = new Map<string, Promise<unknown>>();

/** Waits for the gate to sign the person in again: null to send it again, or why it must not be. */
function holdUntilSignedIn(): Promise<string | null> {
  return new Promise((resolve) => {
    held.add({ since: Date.now(), resume: () => resolve(null), abandon: (m) => resolve(m) });
  });
}

async function afterSignIn<T>(problem: SessionProblem, again: () => Promise<T>): Promise<T> {
  const waiting = holdUntilSignedIn();
  sessionProblem(problem);
  const refused = await waiting;
  if (refused) throw new ApiError(401, 'not_done_signed_out', refused);
  return again();
}

/** Sent when the same person has signed in again over their kept page (event streams reconnect). */
export const SIGNED_IN_AGAIN_EVENT = 'vetted:signed-in-again';

function problemOf(status: number, code: string): SessionProblem | null {
  if (status === 401 && code === 'not_signed_in') return 'signed_out';
  if (status === 403 && code === 'reminder_not_acknowledged') return 'reminder';
  if (status === 403 && code === 'password_change_required') return 'password';
  return null;
}

export interface ApiOptions {
  /** The gate's own requests (who am I, sign in, the reminder): never held for a sign-in. */
  gate?: boolean;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown, options: ApiOptions = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'offline', 'The server could not be reached. Check the network connection and try again.');
  }
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
    const code = err?.code ?? `http_${res.status}`;
    const message = err?.message ?? `The server answered ${res.status}. Try again in a moment.`;
    const problem = problemOf(res.status, code);
    if (problem && !options.gate && signedInOnce) {
      // A page's regular re-reads wait as one, not as one request per tick while the sign-in takes.
      if (method === 'GET') {
        const shared = heldReads.get(path) ?? afterSignIn(problem, () => api(method, path, body, options));
        heldReads.set(path, shared);
        return shared.finally(() => heldReads.delete(path)) as Promise<T>;
      }
      return afterSignIn(problem, () => api<T>(method, path, body, options));
    }
    if (problem) sessionProblem(problem);
    throw new ApiError(res.status, code, message);
  }
  return data as T;
}

export const errorText = (e: unknown): string =>
  e instanceof Error ? e.message : 'Something went wrong. Try again in a moment.';

/** A list answer may come bare or wrapped (`{users: [...]}`); take either. */
export function listOf<T>(data: unknown, ...keys: string[]): T[] {
  if (Array.isArray(data)) return data as T[];
  if (data && typeof data === 'object') {
    for (const k of keys) {
      const v = (data as Record<string, unknown>)[k];
      if (Array.isArray(v)) return v as T[];
    }
  }
  return [];
}

/**
 * Sends a file as the request body, reporting upload progress (fetch cannot). Errors come back as
 * ApiError, like `api`.
 */
export function uploadFile<T = unknown>(path: string, file: File, onProgress: (percent: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('content-type', file.type && file.type.startsWith('video/') ? file.type : 'application/octet-stream');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100));
    };
    xhr.onerror = () => reject(new ApiError(0, 'offline', 'The upload could not reach the server. Check the network connection and try again.'));
    xhr.onload = () => {
      let data: { error?: { code?: string; message?: string } } | undefined;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        data = undefined;
      }
      const code = data?.error?.code ?? `http_${xhr.status}`;
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as T);
      else if (problemOf(xhr.status, code) && signedInOnce) {
        // The file is still in hand: after the sign-in it is sent again, from the start.
        afterSignIn(problemOf(xhr.status, code)!, () => uploadFile<T>(path, file, onProgress)).then(resolve, reject);
      } else reject(new ApiError(xhr.status, code, data?.error?.message ?? `The server answered ${xhr.status}.`));
    };
    xhr.send(file);
  });
}
