import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pg from 'pg';

export interface ItemChange {
  id: string;
  playlistId: string;
  status: string;
  progress: number;
}

/**
 * A class's board changed as a whole: board link rotated, class deleted, a playlist added, renamed or
 * deleted; or (`all`) every board did: the school's allow list, which decides live sites, changed.
 */
export interface BoardChange {
  classId?: string;
  all?: boolean;
}

/**
 * Listens to Postgres's `item_changed` and `board_changed` notifications (sent by triggers) and
 * fans them out in-process: progress streams, open boards and the board cache learn of changes
 * without polling, whichever process made them. Reconnects by itself if the connection drops; as
 * notifications sent meanwhile are lost, listeners of `onReset` are told to forget what they know.
 */
export function itemEvents(databaseUrl: string, log: (msg: string) => void = () => {}) {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const syncs = new Map<string, () => void>();

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: databaseUrl });
    c.on('notification', (msg) => {
      if (!msg.payload) return;
      try {
        if (msg.channel === 'item_changed') emitter.emit('change', JSON.parse(msg.payload) as ItemChange);
        else if (msg.channel === 'board_changed') {
          const change = JSON.parse(msg.payload) as BoardChange;
          if (change.all) emitter.emit('all-boards');
          else if (change.classId) emitter.emit('board', change);
        }
        else if (msg.channel === 'board_revoked') {
          // A class's board link was rotated or the class deleted (sent by the classes repository on commit).
          emitter.emit('revoked', msg.payload);
          emitter.emit('board', { classId: msg.payload } satisfies BoardChange);
        }
        else if (msg.channel === 'vetted_sync') syncs.get(msg.payload)?.();
      } catch {
        /* a malformed payload is not ours */
      }
    });
    const lost = () => {
      if (closed || client !== c) return;
      log('item events: connection lost, reconnecting');
      client = undefined;
      emitter.emit('reset');
      c.end().catch(() => undefined);
      retry = setTimeout(reconnect, 1000);
    };
    c.on('error', lost);
    c.on('end', lost);
    await c.connect();
    await c.query('LISTEN item_changed');
    await c.query('LISTEN board_changed');
    await c.query('LISTEN board_revoked');
    await c.query('LISTEN vetted_sync');
    if (closed) {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
  }

  function reconnect() {
    if (closed) return;
    connect()
      .then(() => emitter.emit('reset'))
      .catch(() => {
        retry = setTimeout(reconnect, 1000);
      });
  }

  return {
    start: connect,
    /** True while notifications are being heard: a cache may trust them only then. */
    listening: () => client !== undefined,
    on(listener: (c: ItemChange) => void): () => void {
      emitter.on('change', listener);
      return () => emitter.off('change', listener);
    },
    onBoard(listener: (c: { classId: string }) => void): () => void {
      emitter.on('board', listener);
      return () => emitter.off('board', listener);
    },
    onAllBoards(listener: () => void): () => void {
      emitter.on('all-boards', listener);
      return () => emitter.off('all-boards', listener);
    },
    /** Called with a class id whenever that class's board link stops working. */
    onBoardRevoked(listener: (classId: string) => void): () => void {
      emitter.on('revoked', listener);
      return () => emitter.off('revoked', listener);
    },
    /** Called when the connection was lost and when it is back: changes may have been missed. */
    onReset(listener: () => void): () => void {
      emitter.on('reset', listener);
      return () => emitter.off('reset', listener);
    },
    /**
     * Resolves once every notification committed before the call has been handled here. A listener
     * reads notifications in commit order, so hearing our own marker means the earlier ones came first.
     * The API calls it before answering a request that may have written, so its own cache never
     * answers with what that request just changed.
     */
    async sync(timeoutMs = 1000): Promise<void> {
      const c = client;
      if (!c) return;
      const marker = randomUUID();
      let timer: NodeJS.Timeout | undefined;
      const heard = new Promise<void>((resolve) => {
        syncs.set(marker, resolve);
        timer = setTimeout(resolve, timeoutMs);
      });
      try {
        await c.query("SELECT pg_notify('vetted_sync', $1)", [marker]);
        await heard;
      } catch {
        /* the connection is going: the reset that follows clears every cache */
      } finally {
        clearTimeout(timer);
        syncs.delete(marker);
      }
    },
    async close(): Promise<void> {
      closed = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}

export type ItemEvents = ReturnType<typeof itemEvents>;
