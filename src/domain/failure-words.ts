/**
 * Failure messages that tell the truth about retrying (issue 15): a message promises another try only
 * while one is really scheduled, says when, and after the last try says that Vetted has stopped.
 * Pure: the pipeline hands in the message, the attempt and the delay.
 */
// "Vetted will try again later." or "Vetted will try again later; if it keeps failing, do X" (then "Do X").
const PROMISE = /\s*Vetted will try again later(?:\.|;\s*if it keeps (?:failing|happening),\s*(\S)|$)/g;

/** The cause alone (and any way out it names), without a promise to try again. */
export function causeOnly(message: string): string {
  return message.replace(PROMISE, (_m, next?: string) => (next ? ` ${next.toUpperCase()}` : '')).trim();
}

function inWords(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (ms < 90_000) return Math.round(ms / 1000) <= 5 ? 'in a few seconds' : `in about ${Math.max(1, Math.round(ms / 10_000) * 10)} seconds`;
  if (minutes < 90) return `in about ${minutes} minutes`;
  return `in about ${Math.round(minutes / 60)} hours`;
}

/** While another try is scheduled: the cause, then when Vetted tries again and which try that will be. */
export function retryScheduled(message: string, nextTry: number, tries: number, delayMs: number): string {
  return `${causeOnly(message)} Vetted will try again ${inWords(delayMs)} (try ${nextTry} of ${tries}).`;
}

/**
 * After the last try of a fault that might clear: the cause, and that nothing more will happen by itself. A video
 * has a way round (its file can be uploaded); a web page has none, so it is not offered.
 */
export function retriesExhausted(message: string, tries: number, kind: 'video' | 'webpage' = 'video'): string {
  const wayOut = kind === 'webpage' ? 'Press “Try again” when it should work.' : 'Press “Try again” when it should work, or upload the video file if you have it.';
  return `${causeOnly(message)} Vetted tried ${tries} times and has stopped. ${wayOut}`;
}
