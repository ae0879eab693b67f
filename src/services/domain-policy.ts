import type { AppContext } from '../api-context.js';
import type { DomainRuleRow } from '../db/schema.js';
import { hostOfUrl, judgeHost, parseDomainList, parsePattern, verdictError, type DomainRuleAction, type HostVerdict } from '../domain/domain-rules.js';
import { VettedError } from '../domain/errors.js';
import { allowedFrom, WORKING_STATUSES } from '../domain/item-state.js';
import { staffEntry, type Actor } from './actor.js';
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

// ---- the admin's rules ---------------------------------------------------------------------------------

/**
 * The admin adds a rule, or changes the action or note of the rule for the same pattern; the live items are
 * re-checked at once.
 */
export async function saveRule(ctx: AppContext, actor: Actor, asked: { pattern: string; action: DomainRuleAction; note?: string }) {
  const pattern = parsePattern(asked.pattern);
  const { rule, created, previous } = await ctx.repos.domainRules.upsert(pattern, asked.action, asked.note?.trim() || null, actor.id);
  await ctx.repos.audit.record(
    staffEntry(actor, created ? 'rule.create' : 'rule.update', `rule:${rule.id}`, { pattern, action: rule.action, ...(previous ? { previous } : {}), note: rule.note }),
  );
  const recheck = await recheckLiveItems(ctx, { by: actor.id, ip: actor.ip, change: `${rule.action} ${pattern}` });
  return { rule, created, recheck };
}

/**
 * A filter vendor's plain domain list, every domain with one action: new rules are added, rules with the other
 * action are changed, the rest left alone. Lines that are not a domain are skipped and counted.
 */
export async function importRules(ctx: AppContext, actor: Actor, asked: { text: string; action: DomainRuleAction; note?: string }) {
  const { domainRules, audit } = ctx.repos;
  const { patterns, skipped } = parseDomainList(asked.text);
  const existing = new Map((await domainRules.list()).map((r) => [r.pattern, r.action]));
  let added = 0;
  let changed = 0;
  let unchanged = 0;
  for (const pattern of patterns) {
    if (existing.get(pattern) === asked.action) {
      unchanged++;
      continue;
    }
    const { created } = await domainRules.upsert(pattern, asked.action, asked.note?.trim() || null, actor.id);
    if (created) added++;
    else changed++;
  }
  await audit.record(staffEntry(actor, 'rule.import', null, { action: asked.action, added, changed, unchanged, skipped: skipped.length, note: asked.note ?? null }));
  const recheck = await recheckLiveItems(ctx, { by: actor.id, ip: actor.ip, change: `import of ${patterns.length} ${asked.action} rules` });
  return { added, changed, unchanged, skipped, recheck };
}

/** The admin deletes a rule; removing an allow rule can uncover a broader block rule, so the live items are re-checked. */
export async function deleteRule(ctx: AppContext, actor: Actor, id: string) {
  const rule = await ctx.repos.domainRules.remove(id);
  if (!rule) throw new VettedError('rule_not_found', 'That rule does not exist (it may have been deleted already).', { httpStatus: 404 });
  await ctx.repos.audit.record(staffEntry(actor, 'rule.delete', `rule:${rule.id}`, { pattern: rule.pattern, action: rule.action }));
  const recheck = await recheckLiveItems(ctx, { by: actor.id, ip: actor.ip, change: `removed ${rule.action} ${rule.pattern}` });
  return { rule, recheck };
}

/** What the policy says about a link or a bare domain, for the admin trying out rules (`sites`: as a site list's link). */
export async function tryPolicy(ctx: AppContext, link: string, sites: boolean) {
  const policy = await loadDomainPolicy(ctx);
  const raw = link.includes('://') ? link : `https://${link}`;
  const host = hostOfUrl(raw);
  if (!host) throw new VettedError('url_invalid', 'That is not a link or a domain.', { httpStatus: 400 });
  return { host, verdict: judgeHost(policy.rules, host, policy.sitesAllowListOnly && sites) };
}
