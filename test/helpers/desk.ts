import type { ItemStatus } from '../../src/domain/item-state.js';
import { waitFor, type TestApp } from './harness.js';

/** While an item is in one of these, a worker still owes it some work. */
const WORKING: readonly ItemStatus[] = ['queued', 'fetching', 'processing'];

/**
 * Reads an item (`read` answers as `GET /api/items/:id` does) until no worker owes it anything — awaiting review or
 * failed, as a rule — and returns it. An answer without a status (the item is gone, or the reader may not see it)
 * fails at once rather than at the timeout.
 */
export function untilSettled(read: () => Promise<any>, timeoutMs = 30_000) {
  return waitFor(async () => {
    const item = await read();
    if (typeof item?.status !== 'string') throw new Error(`no item status in ${JSON.stringify(item)}`);
    return WORKING.includes(item.status) ? undefined : item;
  }, timeoutMs, 100);
}

/**
 * A signed-in member of staff at the review desk, through the in-process API: submit a link, read an item as the
 * desk shows it, and wait for the pipeline to be done with it. Built once the app and the cookie exist
 * (`desk = deskFor(app, cookie)` in `beforeAll`).
 */
export function deskFor(app: TestApp, cookie: string) {
  /** The item as `GET /api/items/:id` answers it (the parsed body, whatever the status code). */
  const item = async (id: string) => (await app.inject({ method: 'GET', url: `/api/items/${id}`, headers: { cookie } })).json();
  return {
    /** `POST /api/items`: the answer itself, for the test to check (202, or the refusal). */
    submit: (url: string, playlistId: string, extra: Record<string, unknown> = {}) =>
      app.inject({ method: 'POST', url: '/api/items', headers: { cookie }, payload: { url, playlistId, ...extra } }),
    item,
    settled: (id: string, timeoutMs?: number) => untilSettled(() => item(id), timeoutMs),
  };
}

export type Desk = ReturnType<typeof deskFor>;
