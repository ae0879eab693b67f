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

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
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
    if (res.status === 401 && code === 'not_signed_in') sessionProblem('signed_out');
    if (res.status === 403 && code === 'reminder_not_acknowledged') sessionProblem('reminder');
    if (res.status === 403 && code === 'password_change_required') sessionProblem('password');
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
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as T);
      else reject(new ApiError(xhr.status, data?.error?.code ?? `http_${xhr.status}`, data?.error?.message ?? `The server answered ${xhr.status}.`));
    };
    xhr.send(file);
  });
}
