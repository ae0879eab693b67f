import { VettedError } from '../../src/domain/errors.js';

/** What a promise rejected with; fails the test if it resolved. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the promise to reject');
}

/** The VettedError a promise rejected with; any other error (a bug, not a refusal) is rethrown. */
export async function vettedFailure(p: Promise<unknown>): Promise<VettedError> {
  const e = await rejection(p);
  if (e instanceof VettedError) return e;
  throw e;
}
