import type { AppContext } from '../api-context.js';

/**
 * Flips approved items past their expiry to `expired`. Boards stop showing them at the expiry instant
 * anyway (boardMayShow compares the time); this makes the status say so, starts their retention period for
 * the purge, and puts each expiry in the audit log.
 */
export async function expireDue(ctx: AppContext): Promise<Array<{ id: string; title: string | null }>> {
  const expired = await ctx.repos.items.expireDue();
  for (const item of expired) {
    await ctx.repos.audit.record({
      actorId: null,
      actorKind: 'system',
      action: 'item.expire',
      target: `item:${item.id}`,
      detail: { expiresAt: item.expires_at?.toISOString() ?? null },
    });
  }
  return expired.map((i) => ({ id: i.id, title: i.title }));
}
