import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../api-context.js';
import type { ItemEvents } from '../db/item-events.js';
import type { ItemRow } from '../db/schema.js';
import { parseStrictDate } from '../domain/dates.js';
import { itemChangedMeanwhile, itemNotFound, playlistNotFound, VettedError } from '../domain/errors.js';
import { assertTransition, SETTLED_STATUSES, type ItemStatus } from '../domain/item-state.js';
import { checkSubmittedUrl } from '../net/submit-check.js';
import { assertDomainAllowed } from '../services/domain-policy.js';
import { assertReadablePath, parseFetchableUrl, withSchemeAsMeant } from '../net/url.js';
import { recogniseLink, titleFromUrl } from '../domain/link.js';
import { decideKind } from '../domain/submission.js';
import { requiredAcknowledgements, type VettingChecks } from '../domain/vetting.js';
import { actorOf, scopeOf, staffOf } from './access.js';
import { remakeItem, remakeOf } from '../services/review.js';
import { BodyOrNothing, Uuid } from './schemas.js';
import { Item, Text, withErrors } from './contract/index.js';
import { presentItem } from './present.js';
import { eventStreams } from './sse.js';
import { viewingService } from '../services/viewing.js';
import { assertLiveSiteAllowed } from '../services/live-site.js';

const Seconds = Type.Number({ minimum: 0, maximum: 24 * 3600 });
const IdParams = Type.Object({ id: Uuid });
const ofItem = scopeOf('item');

/** A colleague approved it first: information for the second teacher, not a failure. */
const alreadyApproved = () =>
  new VettedError('already_approved', 'A colleague has already approved this: it is on the board.', { httpStatus: 409 });


function checkClip(start: number | undefined, end: number | undefined): void {
  if (start !== undefined && end !== undefined && end <= start) {
    throw new VettedError('clip_invalid', 'The end of the clip must come after its start.', { httpStatus: 400 });
  }
}

/** What the reviewer confirms in words instead of on screen: check names such as "flashing", "watched_elsewhere". */
const ApproveBody = BodyOrNothing(
  Type.Object({ acknowledge: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 10 })) }),
);

export const itemRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext; events: ItemEvents }> = async (app, { ctx, events }) => {
  const { items, playlists, audit } = ctx.repos;
  const streams = eventStreams(app);
  const viewing = viewingService(ctx);

  async function load(id: string): Promise<ItemRow> {
    const item = await items.get(id);
    if (!item) throw itemNotFound();
    return item;
  }

  /** A person's status change: legal per the state machine, and guarded against a concurrent change. */
  async function move(
    request: { ip: string },
    actorId: string,
    id: string,
    to: ItemStatus,
    action: string,
    patch: Parameters<typeof items.transition>[2] = {},
    detail?: Record<string, unknown>,
  ) {
    const item = await load(id);
    assertTransition(item.status, to);
    const moved = await items.transition(id, to, patch, [item.status]);
    if (!moved) {
      const now = await load(id);
      assertTransition(now.status, to);
      throw itemChangedMeanwhile();
    }
    await audit.record({ actorId, actorKind: 'staff', action, target: `item:${id}`, ip: request.ip, detail });
    return moved;
  }

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
      const staff = staffOf(request);
      const body = request.body;
      // Pure checks first (form, scheme, what kind of link); then where the host points.
      const typed = withSchemeAsMeant(body.url);
      // Typed without http(s)://: the worker tries https:// first and falls back to http:// (net/scheme.ts).
      const schemeGuessed = typed !== body.url.trim();
      const link = recogniseLink(assertReadablePath(parseFetchableUrl(typed)));
      // The school's filtering policy, before any lookup: a blocked domain is refused naming its rule.
      const domainRule = await assertDomainAllowed(ctx, link.url, body.playlistId);
      const url = await checkSubmittedUrl(link.url.toString(), ctx.config, {
        // YouTube's hosts are known and public; the fetcher still checks every address it connects to.
        skipLookup: link.kind === 'youtube',
      });
      checkClip(body.startSeconds ?? link.startSeconds, body.endSeconds);
      const playlist = await playlists.get(body.playlistId);
      if (!playlist) throw playlistNotFound();
      const { kind, notice } = decideKind(link.kind, playlist.kind);
      const title = body.title?.trim() || null;
      const input = {
        playlistId: playlist.id,
        url: url.toString(),
        canonicalUrl: link.canonicalUrl,
        kind,
        title,
        startSeconds: body.startSeconds ?? link.startSeconds ?? null,
        endSeconds: body.endSeconds ?? null,
        submittedBy: staff.user.id,
        details: {
          link: link.kind,
          ...(link.youtubeId ? { youtubeId: link.youtubeId } : {}),
          ...(schemeGuessed && link.kind !== 'youtube' ? { schemeGuessed: true } : {}),
          // The filtering rule that let the link through, shown to the teacher among the checks.
          ...(domainRule ? { domainRule } : {}),
        },
      };
      // Same source and clip already processed (in any class): share its media, skip the work.
      const earlier = await items.findReusable(input.canonicalUrl, input.startSeconds, input.endSeconds);
      let item: ItemRow;
      if (earlier) {
        item = await items.createReady(input, earlier);
        await ctx.store.share(earlier.id, earlier.media_generation, item.id, item.media_generation);
      } else {
        const created = await items.create(input);
        // A file name is a fair first title; pages and YouTube get their real one when fetched.
        const provisional = (link.kind === 'media' ? titleFromUrl(url) : undefined) ?? url.hostname;
        item = title ? created : ((await items.update(created.id, { title: provisional })) ?? created);
      }
      await audit.record({
        actorId: staff.user.id,
        actorKind: 'staff',
        action: 'item.submit',
        target: `item:${item.id}`,
        ip: request.ip,
        detail: { url: item.url, ...(earlier ? { reusedFrom: earlier.id } : {}) },
      });
      if (!earlier) {
        // The row is the truth: if Redis is down now, the reconciler enqueues the item when it is back.
        await ctx.producer
          .enqueue('fetch', item.id, item.media_generation)
          .catch((e) => request.log.warn({ err: e }, 'enqueue failed; the reconciler will retry'));
      }
      const named = item;
      reply.status(202);
      return { ...presentItem(named), notice };
    },
  );

  app.get('/api/items/:id', { config: { access: 'member', scope: ofItem }, schema: { params: IdParams, response: withErrors({ 200: Item }) } }, async (request) => {
    const item = await load(request.params.id);
    return { ...presentItem(item), remake: await remakeOf(ctx, item) };
  });

  app.post(
    '/api/items/:id/approve',
    {
      config: { access: 'member', scope: ofItem },
      // A plain approve sends no body.
      schema: { params: IdParams, body: ApproveBody, response: withErrors({ 200: Item }) },
    },
    async (request) => {
      const staff = staffOf(request);
      // Each acknowledgement is audited.
      const acknowledge = request.body?.acknowledge ?? [];
      const current = await load(request.params.id);
      if (current.status === 'approved') throw alreadyApproved();
      // Only an item that could be approved now is held to the rules; other statuses get the state machine's answer.
      const reviewable = current.status === 'awaiting_review';
      // Approval follows watching (issue 15): this reviewer has played 95 %, or says they watched it elsewhere.
      const watched = reviewable ? await viewing.assertMayApprove(current, staff.user.id, acknowledge) : undefined;
      // A failed flashing check needs the teacher's word that they watched the flagged moments (audited).
      const acknowledged = reviewable
        ? requiredAcknowledgements((current.details as { vetting?: Partial<VettingChecks> } | null)?.vetting, acknowledge)
        : [];
      if (watched === 'acknowledged') acknowledged.push('watched_elsewhere');
      const item = await move(
        request,
        staff.user.id,
        request.params.id,
        'approved',
        'item.approve',
        { reviewed_by: staff.user.id, reviewed_at: new Date() },
        { ...(watched ? { watched } : {}), ...(acknowledged.length ? { acknowledged } : {}) },
      );
      return presentItem(item);
    },
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
    async (request) => {
      const staff = staffOf(request);
      const reason = request.body?.reason?.trim() || null;
      const item = await move(
        request,
        staff.user.id,
        request.params.id,
        'rejected',
        'item.reject',
        { reviewed_by: staff.user.id, reviewed_at: new Date(), reject_reason: reason },
        reason ? { reason } : undefined,
      );
      return presentItem(item);
    },
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
      const current = await load(request.params.id);
      const start = request.body?.startSeconds === undefined ? current.start_seconds : request.body.startSeconds;
      const end = request.body?.endSeconds === undefined ? current.end_seconds : request.body.endSeconds;
      checkClip(start ?? undefined, end ?? undefined);
      // An approved item stays on the board: the new copy is made as a draft beside it (services/review.ts).
      const { item } = await remakeItem(ctx, actorOf(request), current.id, { startSeconds: start, endSeconds: end });
      await ctx.producer.enqueue('fetch', item.id, item.media_generation).catch((e) => request.log.warn({ err: e }, 'enqueue failed; the reconciler will retry'));
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
    async (request) => {
      const staff = staffOf(request);
      const current = await load(request.params.id);
      const patch: Parameters<typeof items.update>[1] = {};
      if (request.body.title !== undefined) Object.assign(patch, { title: request.body.title.trim(), title_locked: true });
      if (request.body.expiresAt !== undefined) {
        const when = request.body.expiresAt === null ? null : parseStrictDate(request.body.expiresAt, { endOfDay: true });
        if (when === undefined) {
          throw new VettedError('invalid_request', 'The field "expiresAt" must be a date (2025-07-31) or an ISO time (2025-07-31T15:00:00Z) between the years 1970 and 9999.', { httpStatus: 400 });
        }
        patch.expires_at = when;
      }
      if (request.body.openLive === true) await assertLiveSiteAllowed(ctx, current);
      if (request.body.openLive !== undefined) patch.open_live = request.body.openLive;
      const item = (await items.update(current.id, patch)) ?? current;
      await audit.record({ actorId: staff.user.id, actorKind: 'staff', action: 'item.edit', target: `item:${item.id}`, ip: request.ip, detail: request.body });
      return presentItem(item);
    },
  );

  /**
   * Server-sent events: the item now, then every change, until it settles. Changes arrive through
   * Postgres notifications; a slow poll covers a lost notification connection.
   */
  const itemStream = Text('text/event-stream', '`item` events with the item as data, until it settles');
  app.get('/api/items/:id/events', { config: { access: 'member', scope: ofItem }, schema: { params: IdParams, response: withErrors({ 200: itemStream }) } }, async (request, reply) => {
    const first = await load(request.params.id);
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
      const item = await items.get(first.id).catch(() => undefined);
      if (!item) return stream.end();
      send(item);
    }
    send(first);
  });
};
