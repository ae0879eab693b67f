import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../api-context.js';
import type { ItemEvents } from '../db/item-events.js';
import { attentionService } from '../services/attention.js';
import { actorOf } from './access.js';
import { presentItem } from './present.js';
import { eventStreams } from './sse.js';
import { Attention, ReviewQueue, Text, withErrors } from './contract/index.js';

/** A slow re-read covers a lost notification connection. */
const RECHECK_MS = 10_000;
/** Changes come in bursts (a reorder touches every item): gather them before counting again. */
const GATHER_MS = 200;

/**
 * What waits for a teacher: the "To review" queue across their classes, and a live stream of the counts
 * and reports the desk shows (a report from a board reaches the class's teachers at once).
 */
export const attentionRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext; events: ItemEvents }> = async (app, { ctx, events }) => {
  const attention = attentionService(ctx);
  const streams = eventStreams(app);

  app.get('/api/review-queue', { config: { access: 'staff' }, schema: { response: withErrors({ 200: ReviewQueue }) } }, async (request) => {
    const rows = await attention.queue(actorOf(request));
    return {
      items: rows.map((r) => ({ ...presentItem(r), classId: r.class_id, className: r.class_name, playlistName: r.playlist_name })),
    };
  });

  app.get('/api/attention', { config: { access: 'staff' }, schema: { response: withErrors({ 200: Attention }) } }, async (request) => attention.summary(actorOf(request)));

  const attentionStream = Text('text/event-stream', '`attention` events with the attention summary as data, whenever it changes');
  app.get('/api/attention/events', { config: { access: 'staff' }, schema: { response: withErrors({ 200: attentionStream }) } }, async (request, reply) => {
    const staff = actorOf(request);
    let lastSent = '';
    let gather: NodeJS.Timeout | undefined;
    let off = () => {};
    let poll: NodeJS.Timeout | undefined;
    const first = await attention.summary(staff);
    const stream = streams.open(request, reply, () => {
      off();
      clearInterval(poll);
      if (gather) clearTimeout(gather);
    });
    const publish = (body: unknown) => {
      const data = JSON.stringify(body);
      if (stream.isEnded() || data === lastSent) return;
      lastSent = data;
      stream.send('attention', data);
    };
    const recheck = async () => {
      if (stream.isEnded()) return;
      const next = await attention.summary(staff).catch(() => undefined);
      if (next) publish(next);
    };
    off = events.on(() => {
      if (!gather) gather = setTimeout(() => ((gather = undefined), void recheck()), GATHER_MS);
    });
    poll = setInterval(() => void recheck(), RECHECK_MS);
    publish(first);
  });
};
