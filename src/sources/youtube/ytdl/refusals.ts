/** What a teacher is told when ytdl-core or a media request fails: unavailable, blocked by YouTube, or another fault. */
import { VettedError } from '../../../domain/errors.js';
import { abortReason, statusError } from '../../../net/errors.js';
import { blockedError, classifyYouTubeRefusal, failedError, refusalError, shortCause, unavailableError } from '../video-site.js';
import { GuardedFetchFailure, InfoStatusError, type FetchLog } from './fetch-hook.js';

function statusMeaning(failure: InfoStatusError): VettedError {
  const cause = shortCause(failure);
  // Only the watch page's own "not found" says something about the video; a missing player script does not.
  const watchPage = new URL(failure.url).pathname === '/watch';
  if ((failure.status === 404 || failure.status === 410) && watchPage) return unavailableError(cause);
  if (failure.status === 403 || failure.status === 429 || failure.status === 401) return blockedError(cause);
  if (failure.status >= 500) return statusError(failure.status) ?? failedError(cause);
  return failedError(cause);
}

/** Turns whatever ytdl-core threw into the error a teacher sees. */
export function mapInfoError(e: unknown, log: FetchLog, signal: AbortSignal): unknown {
  if (signal.aborted) return abortReason(signal);
  const reason = e instanceof GuardedFetchFailure ? e.reason : e;
  if (reason instanceof InfoStatusError) return statusMeaning(reason);
  if (reason instanceof VettedError) return reason;
  const message = reason instanceof Error ? reason.message : String(reason);
  const refusal = classifyYouTubeRefusal(message);
  if (refusal) return refusalError(refusal, shortCause(message));
  if (/no playable formats|failed to find any playable formats|unable to find html5player/i.test(message)) {
    // ytdl-core swallows a failed base.js fetch and only reports "no formats"; the recorded failure is the reason.
    const swallowed = log.failures[0];
    if (swallowed !== undefined) return mapInfoError(new GuardedFetchFailure(swallowed), { urls: [], failures: [] }, signal);
    return blockedError(shortCause(message));
  }
  return failedError(shortCause(message));
}

/** A refused media request: after the job queue's last attempt, the teacher gets the way out in the message. */
export function mapMediaError(e: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return abortReason(signal);
  if (e instanceof VettedError) {
    if (e.code === 'fetch_http_status' || e.code === 'fetch_not_found') return blockedError(e);
    if (e.code === 'fetch_server_error' && /HTTP 429\b/.test(e.message)) return blockedError(e);
  }
  return e;
}
