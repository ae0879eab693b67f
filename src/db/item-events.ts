import { EventEmitter } from 'node:events';
import pg from 'pg';

export interface ItemChange {
  id: string;
  playlistId: string;
  status: string;
  progress: number;
}

/**
 * Listens to Postgres's `item_changed` notifications (sent by a trigger on every item update) and
 * fans them out in-process: progress streams and open boards learn of changes without polling,
 * whichever worker process made them. Reconnects by itself if the connection drops.
 */
export function itemEvents(databaseUrl: string, log: (msg: string) => void = () => {}) {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: databaseUrl });
    c.on('notification', (msg) => {
      // A class's board link was rotated or the class deleted: open boards of the old link close at once.
      if (msg.channel === 'board_revoked' && msg.payload) return void emitter.emit('revoked', msg.payload);
      if (msg.channel !== 'item_changed' || !msg.payload) return;
      try {
        const change = JSON.parse(msg.payload) as ItemChange;
        emitter.emit('change', change);
      } catch {
        /* a malformed payload is not ours */
      }
    });
    c.on('error', () => {
      if (closed) return;
      log('item events: connection lost, reconnecting');
      client = undefined;
      c.end().catch(() => undefined);
      retry = setTimeout(() => void connect().catch(() => undefined), 1000);
    });
    await c.connect();
    await c.query('LISTEN item_changed');
    await c.query('LISTEN board_revoked');
    client = c;
  }

  return {
    start: connect,
    on(listener: (c: ItemChange) => void): () => void {
      emitter.on('change', listener);
      return () => emitter.off('change', listener);
    },
    /** Called with a class id whenever that class's board link stops working. */
    onBoardRevoked(listener: (classId: string) => void): () => void {
      emitter.on('revoked', listener);
      return () => emitter.off('revoked', listener);
    },
    async close(): Promise<void> {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}

export type ItemEvents = ReturnType<typeof itemEvents>;
