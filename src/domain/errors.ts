/**
 * The one error type the service raises on purpose. `code` is a machine word clients can switch on;
 * `message` is a sentence a teacher can act on. `transient` tells the job queue whether trying again
 * could help (network faults, 5xx, timeouts) or not (broken media, refused address).
 */
export class VettedError extends Error {
  readonly code: string;
  readonly transient: boolean;
  readonly httpStatus: number;

  constructor(code: string, message: string, opts: { transient?: boolean; httpStatus?: number } = {}) {
    super(message);
    this.name = 'VettedError';
    this.code = code;
    this.transient = opts.transient ?? false;
    this.httpStatus = opts.httpStatus ?? 422;
  }
}

export function isVettedError(e: unknown): e is VettedError {
  return e instanceof VettedError;
}
