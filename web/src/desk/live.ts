import { api } from '../shared/api';
import type { Item } from '../shared/types';
import { isWorking } from '../shared/words';

/**
 * Live status of items being prepared. Each item's server-sent event stream (`/api/items/:id/events`)
 * holds a connection open, and a browser allows only six per host over HTTP/1.1, so a few items
 * stream and the rest are polled — the page never starves its own requests.
 */
const MAX_STREAMS = 3;
const POLL_MS = 2000;
let streams = 0;

export function watchItem(id: string, onItem: (item: Item) => void): () => void {
  let stopped = false;
  let stopCurrent = () => {};

  const deliver = (item: Item) => {
    if (stopped) return;
    onItem(item);
    if (!isWorking(item.status)) stop();
  };

  const poll = () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        deliver(await api<Item>('GET', `/api/items/${id}`));
      } catch {
        /* a failed poll is tried again; a lost session is handled by the page */
      }
      if (!stopped) timer = setTimeout(tick, POLL_MS);
    };
    timer = setTimeout(tick, POLL_MS);
    stopCurrent = () => clearTimeout(timer);
  };

  if (streams < MAX_STREAMS && typeof EventSource !== 'undefined') {
    streams++;
    let open = true;
    const es = new EventSource(`/api/items/${encodeURIComponent(id)}/events`);
    const close = () => {
      if (!open) return;
      open = false;
      streams--;
      es.close();
    };
    es.addEventListener('item', (e) => {
      try {
        deliver(JSON.parse((e as MessageEvent<string>).data) as Item);
      } catch {
        /* not ours */
      }
    });
    es.onerror = () => {
      // CLOSED: the server refused the stream (signed out, item gone). Fall back to polling, which reports why.
      if (es.readyState === EventSource.CLOSED && !stopped) {
        close();
        poll();
      }
    };
    stopCurrent = close;
  } else {
    poll();
  }

  function stop() {
    if (stopped) return;
    stopped = true;
    stopCurrent();
  }
  return stop;
}
