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

// The refusals several parts of the service give, worded once (a route, a service and the board stream say the same).

export const itemNotFound = () =>
  new VettedError('item_not_found', 'That item does not exist (it may have been deleted).', { httpStatus: 404 });

export const playlistNotFound = () =>
  new VettedError('playlist_not_found', 'That playlist does not exist (it may have been deleted).', { httpStatus: 404 });

export const unknownBoard = () =>
  new VettedError('board_not_found', 'This board link is not known. Ask your teacher for the class’s board link.', { httpStatus: 404 });

export const itemChangedMeanwhile = () =>
  new VettedError('conflict', 'This item changed while you were working on it. Reload and try again.', { httpStatus: 409 });
