import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface EventStream {
  send(event: string, data: string): void;
  /** Ends the stream once; the `onEnd` callback runs then (unsubscribe, clear timers). */
  end(): void;
  isEnded(): boolean;
}

/**
 * Server-sent events, the one way the API streams: headers no proxy buffers, a heartbeat, and an
 * end on client disconnect or server shutdown (an open stream would otherwise hold `close()` for
 * ever). Call once while registering a route plugin; use `open` in its handlers.
 */
export function eventStreams(app: FastifyInstance) {
  const live = new Set<EventStream>();
  app.addHook('preClose', async () => {
    for (const s of [...live]) s.end();
  });

  return {
    open(request: FastifyRequest, reply: FastifyReply, onEnd: () => void): EventStream {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 3000\n\n');
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      let ended = false;
      const stream: EventStream = {
        send(event, data) {
          if (!ended) res.write(`event: ${event}\ndata: ${data}\n\n`);
        },
        end() {
          if (ended) return;
          ended = true;
          live.delete(stream);
          clearInterval(heartbeat);
          onEnd();
          res.end();
        },
        isEnded: () => ended,
      };
      live.add(stream);
      request.raw.on('close', () => stream.end());
      return stream;
    },
  };
}
