import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../api-context.js';
import type { ItemEvents } from '../db/item-events.js';
import type { ItemRow } from '../db/schema.js';
import { SETTLED_STATUSES } from '../domain/item-state.js';
import { findItem, editItem, itemById } from '../services/items.js';
import { approveItem, itemPage, rejectItem, reprocessItem } from '../services/review.js';
import { submitLink } from '../services/submit.js';
import { actorOf, scopeOf } from './access.js';
import { BodyOrNothing, Uuid } from './schemas.js';
import { Item, Text, withErrors } from './contract/index.js';
import { presentItem } from './present.js';
import { eventStreams } from './sse.js';

const Seconds = Type.Number({ minimum: 0, maximum: 24 * 3600 });
const IdParams = Type.Object({ id: Uuid });
const ofItem = scopeOf('item');

/** What the reviewer confirms in words instead of on screen: check names such as "flashing", "watched_elsewhere". */
const ApproveBody = BodyOrNothing(
  Type.Object({ acknowledge: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 10 })) }),
);

export const itemRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext; events: ItemEvents }> = async (app, { ctx, events }) => {
  const streams = eventStreams(app);

  app.post(
    '/api/items',
    {
      config: { access: 'member', scope: scopeOf('playlist', 'playlistId', 'body') },
      schema: {
        body: Type.Object({
          url: Type.String({ minLength: 1, maxLength: 4096 }),
          playlistId: Uuid,
          title: Type.Optional(Type.String({ maxLength: 300 })),
          startSeconds: Type.Optional(Seconds),
          endSeconds: Type.Optional(Seconds),
        }),
        response: withErrors({ 202: Item }),
      },
    },
    async (request, reply) => {
      const { item, notice } = await submitLink(ctx, actorOf(request), request.body, request.log);
      reply.status(202);
      return { ...presentItem(item), notice };
    },
  );

  app.get('/api/items/:id', { config: { access: 'member', scope: ofItem }, schema: { params: IdParams, response: withErrors({ 200: Item }) } }, async (request) => {
    const { item, remake } = await itemPage(ctx, request.params.id);
    return { ...presentItem(item), remake };
  });

  app.post(
    '/api/items/:id/approve',
    {
      config: { access: 'member', scope: ofItem },
      // A plain approve sends no body.
      schema: { params: IdParams, body: ApproveBody, response: withErrors({ 200: Item }) },
    },
    async (request) => presentItem(await approveItem(ctx, actorOf(request), request.params.id, request.body?.acknowledge ?? [])),
  );

  app.post(
    '/api/items/:id/reject',
    {
      config: { access: 'member', scope: ofItem },
      schema: {
        params: IdParams,
        body: BodyOrNothing(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })) })),
        response: withErrors({ 200: Item }),
      },
    },
    async (request) => presentItem(await rejectItem(ctx, actorOf(request), request.params.id, request.body?.reason?.trim() || null)),
  );

  /** Make the item again: after a failure, or with a new clip (start/end) chosen in the review view. */
  app.post(
    '/api/items/:id/reprocess',
    {
      config: { access: 'member', scope: ofItem },
      schema: {
        params: IdParams,
        body: Type.Optional(
          Type.Object({
            startSeconds: Type.Optional(Type.Union([Seconds, Type.Null()])),
            endSeconds: Type.Optional(Type.Union([Seconds, Type.Null()])),
          }),
        ),
        response: withErrors({ 202: Item }),
      },
    },
    async (request, reply) => {
      // An approved item stays on the board: the new copy is made as a draft beside it (services/review.ts).
      const item = await reprocessItem(ctx, actorOf(request), request.params.id, request.body ?? {}, request.log);
      reply.status(202);
      return presentItem(item);
    },
  );

  app.patch(
    '/api/items/:id',
    {
      config: { access: 'member', scope: ofItem },
      schema: {
        params: IdParams,
        body: Type.Object({
          title: Type.Optional(Type.String({ minLength: 1, maxLength: 300, pattern: '\\S' })),
          expiresAt: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Null()])),
          // A site opens live on the board instead of its vetted copy (allow-listed domains only).
          openLive: Type.Optional(Type.Boolean()),
        }),
        response: withErrors({ 200: Item }),
      },
    },
    async (request) => presentItem(await editItem(ctx, actorOf(request), request.params.id, request.body)),
  );

  /**
   * Server-sent events: the item now, then every change, until it settles. Changes arrive through
   * Postgres notifications; a slow poll covers a lost notification connection.
   */
  const itemStream = Text('text/event-stream', '`item` events with the item as data, until it settles');
  app.get('/api/items/:id/events', { config: { access: 'member', scope: ofItem }, schema: { params: IdParams, response: withErrors({ 200: itemStream }) } }, async (request, reply) => {
    const first = await itemById(ctx, request.params.id);
    let lastSent = '';
    let off = () => {};
    let poll: NodeJS.Timeout | undefined;
    const stream = streams.open(request, reply, () => {
      off();
      clearInterval(poll);
    });
    off = events.on((change) => {
      if (change.id === first.id) void refresh();
    });
    poll = setInterval(() => void refresh(), 5_000);
    function send(item: ItemRow) {
      const data = JSON.stringify(presentItem(item));
      if (data === lastSent) return;
      lastSent = data;
      stream.send('item', data);
      if (SETTLED_STATUSES.includes(item.status)) stream.end();
    }
    async function refresh() {
      if (stream.isEnded()) return;
      const item = await findItem(ctx, first.id).catch(() => undefined);
      if (!item) return stream.end();
      send(item);
    }
    send(first);
  });
};
