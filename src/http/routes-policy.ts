import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../api-context.js';
import type { DomainRuleRow } from '../db/schema.js';
import { hostOfUrl, judgeHost, parseDomainList, parsePattern, toDomainList, toPac } from '../domain/domain-rules.js';
import { VettedError } from '../domain/errors.js';
import { loadDomainPolicy, recheckLiveItems } from '../services/domain-policy.js';
import { siteListHosts } from '../services/playlists.js';
import { scopeOf, staffOf } from './access.js';
import { Uuid } from './schemas.js';
import { DomainCheck, DomainListImported, DomainRuleDeleted, DomainRuleList, DomainRuleSaved, Text, withErrors, type DomainRule } from './contract/index.js';

const Action = Type.Union([Type.Literal('allow'), Type.Literal('block')]);
const RuleNote = Type.Optional(Type.String({ maxLength: 500 }));

function presentRule(r: DomainRuleRow): DomainRule {
  return { id: r.id, pattern: r.pattern, action: r.action, note: r.note, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString() };
}

/**
 * The filtering policy: the admin's allow and block rules by domain, a bulk import of a plain domain list,
 * and the export of a site list's approved sites for the school's own web filter. Every change re-checks
 * the live items at once.
 */
export const policyRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { domainRules, audit } = ctx.repos;

  app.get('/api/admin/domain-rules', { config: { access: 'admin' }, schema: { response: withErrors({ 200: DomainRuleList }) } }, async () => {
    const policy = await loadDomainPolicy(ctx);
    return { rules: (await domainRules.list()).map(presentRule), sitesAllowListOnly: policy.sitesAllowListOnly };
  });

  app.post(
    '/api/admin/domain-rules',
    {
      config: { access: 'admin' },
      schema: {
        body: Type.Object({ pattern: Type.String({ minLength: 1, maxLength: 260 }), action: Action, note: RuleNote }),
        response: withErrors({ 201: DomainRuleSaved, 200: DomainRuleSaved }),
      },
    },
    async (request, reply) => {
      const staff = staffOf(request);
      const pattern = parsePattern(request.body.pattern);
      const { rule, created, previous } = await domainRules.upsert(pattern, request.body.action, request.body.note?.trim() || null, staff.user.id);
      await audit.record({
        actorId: staff.user.id,
        actorKind: 'staff',
        action: created ? 'rule.create' : 'rule.update',
        target: `rule:${rule.id}`,
        ip: request.ip,
        detail: { pattern, action: rule.action, ...(previous ? { previous } : {}), note: rule.note },
      });
      const recheck = await recheckLiveItems(ctx, { by: staff.user.id, ip: request.ip, change: `${rule.action} ${pattern}` });
      reply.status(created ? 201 : 200);
      return { rule: presentRule(rule), created, recheck };
    },
  );

  app.post(
    '/api/admin/domain-rules/import',
    {
      config: { access: 'admin' },
      // Filter vendors' lists are long; this route alone takes up to 4 MiB.
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        body: Type.Object({ text: Type.String({ maxLength: 4 * 1024 * 1024 }), action: Action, note: RuleNote }),
        response: withErrors({ 200: DomainListImported }),
      },
    },
    async (request) => {
      const staff = staffOf(request);
      const { patterns, skipped } = parseDomainList(request.body.text);
      const existing = new Map((await domainRules.list()).map((r) => [r.pattern, r.action]));
      let added = 0;
      let changed = 0;
      let unchanged = 0;
      for (const pattern of patterns) {
        if (existing.get(pattern) === request.body.action) {
          unchanged++;
          continue;
        }
        const { created } = await domainRules.upsert(pattern, request.body.action, request.body.note?.trim() || null, staff.user.id);
        if (created) added++;
        else changed++;
      }
      await audit.record({
        actorId: staff.user.id,
        actorKind: 'staff',
        action: 'rule.import',
        target: null,
        ip: request.ip,
        detail: { action: request.body.action, added, changed, unchanged, skipped: skipped.length, note: request.body.note ?? null },
      });
      const recheck = await recheckLiveItems(ctx, { by: staff.user.id, ip: request.ip, change: `import of ${patterns.length} ${request.body.action} rules` });
      return { added, changed, unchanged, skipped: skipped.slice(0, 200), skippedCount: skipped.length, recheck };
    },
  );

  app.delete(
    '/api/admin/domain-rules/:id',
    { config: { access: 'admin' }, schema: { params: Type.Object({ id: Uuid }), response: withErrors({ 200: DomainRuleDeleted }) } },
    async (request) => {
      const staff = staffOf(request);
      const rule = await domainRules.remove(request.params.id);
      if (!rule) throw new VettedError('rule_not_found', 'That rule does not exist (it may have been deleted already).', { httpStatus: 404 });
      await audit.record({ actorId: staff.user.id, actorKind: 'staff', action: 'rule.delete', target: `rule:${rule.id}`, ip: request.ip, detail: { pattern: rule.pattern, action: rule.action } });
      // Removing an allow rule can uncover a broader block rule (or leave a site list off the allow list).
      const recheck = await recheckLiveItems(ctx, { by: staff.user.id, ip: request.ip, change: `removed ${rule.action} ${rule.pattern}` });
      return { deleted: presentRule(rule), recheck };
    },
  );

  /** What the policy says about a link, for the admin trying out rules. */
  app.get(
    '/api/admin/domain-rules/check',
    {
      config: { access: 'admin' },
      schema: {
        querystring: Type.Object({ url: Type.String({ minLength: 1, maxLength: 4096 }), sites: Type.Optional(Type.Boolean()) }),
        response: withErrors({ 200: DomainCheck }),
      },
    },
    async (request) => {
      const policy = await loadDomainPolicy(ctx);
      const raw = request.query.url.includes('://') ? request.query.url : `https://${request.query.url}`;
      const host = hostOfUrl(raw);
      if (!host) throw new VettedError('url_invalid', 'That is not a link or a domain.', { httpStatus: 400 });
      const verdict = judgeHost(policy.rules, host, policy.sitesAllowListOnly && request.query.sites === true);
      return {
        host,
        allowed: verdict.ok,
        reason: verdict.ok ? (verdict.rule ? ('allow_rule' as const) : ('no_rule' as const)) : verdict.reason,
        rule: verdict.rule ? presentRule(verdict.rule) : null,
      };
    },
  );

  /** The approved, unexpired sites of a site list, for the school's web filter (a domain list or a PAC file). */
  app.get(
    '/api/playlists/:id/export',
    {
      config: { access: 'member', scope: scopeOf('playlist') },
      schema: {
        params: Type.Object({ id: Uuid }),
        querystring: Type.Object({
          format: Type.Optional(Type.Union([Type.Literal('domains'), Type.Literal('pac')])),
          otherwise: Type.Optional(Type.String({ maxLength: 300 })),
        }),
        response: withErrors({
          200: {
            description: 'the hosts of the approved, unexpired sites: a domain list, or a PAC file with ?format=pac',
            content: { ...Text('text/plain', '').content, ...Text('application/x-ns-proxy-autoconfig', '').content },
          },
        }),
      },
    },
    async (request, reply) => {
      const { otherwise } = request.query;
      const { playlist, hosts, at } = await siteListHosts(ctx, request.params.id, otherwise);
      const safeName = playlist.name.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 60) || 'sites';
      reply.header('cache-control', 'no-store');
      if (request.query.format === 'pac') {
        return reply
          .header('content-type', 'application/x-ns-proxy-autoconfig')
          .header('content-disposition', `attachment; filename="${safeName}.pac"`)
          .send(toPac(hosts, { title: `"${playlist.name}"`, ownHost: new URL(ctx.config.publicUrl).hostname, otherwise, generatedAt: at }));
      }
      return reply
        .header('content-type', 'text/plain; charset=utf-8')
        .header('content-disposition', `attachment; filename="${safeName}.txt"`)
        .send(toDomainList(hosts));
    },
  );
};
