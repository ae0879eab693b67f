import type { AppContext } from '../api-context.js';
import type { DomainRuleRow } from '../db/schema.js';
import { hostOfUrl, judgeHost, verdictError, type HostVerdict } from '../domain/domain-rules.js';
import { allowedFrom, WORKING_STATUSES } from '../domain/item-state.js';
import { reportItem } from './incidents.js';

/**
 * The filtering policy applied: at submit (the teacher gets a 422 naming the rule), at every fetch hop
 * (a redirect into a blocked domain fails the item), and after every policy change (live items that now
 * fall under a block rule leave the boards).
 */
export interface DomainPolicy {
  rules: DomainRuleRow[];
  sitesAllowListOnly: boolean;
}

export async function loadDomainPolicy(ctx: AppContext): Promise<DomainPolicy> {
  const rules = await ctx.repos.domainRules.list();
  const settings = await ctx.repos.settings.get();
  return { rules, sitesAllowListOnly: settings.sitesAllowListOnly };
}

async function playlistKind(ctx: AppContext, playlistId: string | undefined): Promise<string | undefined> {
  if (!playlistId) return undefined;
  // An id that is not a uuid names no playlist (the submit route answers that itself).
  const row = await ctx.repos.playlists.get(playlistId).catch(() => undefined);
  return row?.kind;
}

/** The verdict of the policy on one link; `playlistKind` matters only for the allow-list-only setting. */
export async function checkDomainPolicy(
  ctx: AppContext,
  url: string | URL,
  opts: { playlistKind?: string } = {},
): Promise<{ host: string | undefined; verdict: HostVerdict<DomainRuleRow> }> {
  const policy = await loadDomainPolicy(ctx);
  const host = hostOfUrl(String(url));
  if (!host) return { host, verdict: { ok: true, rule: null } };
  return { host, verdict: judgeHost(policy.rules, host, policy.sitesAllowListOnly && opts.playlistKind === 'sites') };
}

/**
 * For the submit route: throws 422 `domain_blocked` (or `domain_not_allowed`) naming the rule;
 * otherwise returns the rule that let the link through (an allow rule), if any, for the item's checks.
 */
export async function assertDomainAllowed(
  ctx: AppContext,
  url: string | URL,
  playlistId?: string,
): Promise<{ pattern: string; action: string } | null> {
  const { host, verdict } = await checkDomainPolicy(ctx, url, { playlistKind: await playlistKind(ctx, playlistId) });
  if (!verdict.ok) throw verdictError(verdict, host ?? String(url));
  return verdict.rule ? { pattern: verdict.rule.pattern, action: verdict.rule.action } : null;
}

/**
 * For the fetcher's `policy.checkHost`, which is called (synchronously) for the first URL and every redirect
 * hop: the policy is read once per fetch, and each host is judged against it.
 */
export async function hostCheckForItem(ctx: AppContext, item: { playlist_id: string }): Promise<(host: string) => void> {
  const policy = await loadDomainPolicy(ctx);
  const allowListOnly = policy.sitesAllowListOnly && (await playlistKind(ctx, item.playlist_id)) === 'sites';
  return (host: string) => {
    const verdict = judgeHost(policy.rules, host, allowListOnly);
    if (!verdict.ok) throw verdictError(verdict, host);
  };
}

export interface RecheckResult {
  quarantined: Array<{ id: string; title: string | null; host: string; rule: string | null }>;
  failed: Array<{ id: string; title: string | null; host: string; rule: string | null }>;
}

/**
 * After a policy change: every live item whose link now falls under a block rule (or, in allow-list-only
 * mode, a site-list item off the allow list) is taken off the boards. Vetted items (awaiting review,
 * approved) go to quarantine with a system incident, so the e-safety lead sees them in the queue; items
 * still being fetched or processed fail with the rule's sentence. Each is audited.
 */
export async function recheckLiveItems(ctx: AppContext, cause: { by: string | null; ip: string | null; change: string }): Promise<RecheckResult> {
  const policy = await loadDomainPolicy(ctx);
  const result: RecheckResult = { quarantined: [], failed: [] };
  if (policy.rules.length === 0 && !policy.sitesAllowListOnly) return result;
  const live = await ctx.repos.items.live();
  for (const item of live) {
    const allowListOnly = policy.sitesAllowListOnly && item.playlist_kind === 'sites';
    let refusal: { host: string; verdict: Exclude<HostVerdict<DomainRuleRow>, { ok: true }> } | undefined;
    for (const url of new Set([item.url, item.canonical_url])) {
      const host = hostOfUrl(url);
      if (!host) continue;
      const verdict = judgeHost(policy.rules, host, allowListOnly);
      if (!verdict.ok) {
        refusal = { host, verdict };
        break;
      }
    }
    if (!refusal) continue;
    const rule = refusal.verdict.rule?.pattern ?? null;
    const why = verdictError(refusal.verdict, refusal.host);
    const entry = { id: item.id, title: item.title, host: refusal.host, rule };
    if (WORKING_STATUSES.includes(item.status)) {
      const moved = await ctx.repos.items.transition(
        item.id,
        'failed',
        { error_code: why.code, error_message: why.message, progress: 0 },
        allowedFrom('failed').filter((s) => WORKING_STATUSES.includes(s)),
      );
      if (!moved) continue;
      await ctx.repos.audit.record({
        actorId: null,
        actorKind: 'system',
        action: 'item.fail_policy',
        target: `item:${item.id}`,
        detail: { rule, host: refusal.host, change: cause.change },
      });
      result.failed.push(entry);
    } else {
      try {
        await reportItem(ctx, {
          itemId: item.id,
          note: `${why.message} (re-checked after a policy change: ${cause.change})`,
          reporter: { kind: 'system', id: null, ip: null },
          auditAction: 'item.quarantine_policy',
          detail: { rule, host: refusal.host, change: cause.change },
        });
        result.quarantined.push(entry);
      } catch {
        // The item moved on meanwhile (rejected, reported, purged): nothing left to take off the boards.
      }
    }
  }
  await ctx.repos.audit.record({
    actorId: cause.by,
    actorKind: cause.by ? 'staff' : 'system',
    action: 'policy.recheck',
    target: null,
    ip: cause.ip,
    detail: { change: cause.change, quarantined: result.quarantined.map((i) => i.id), failed: result.failed.map((i) => i.id) },
  });
  return result;
}
