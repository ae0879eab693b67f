import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../api-context.js';
import type { DomainRuleRow } from '../db/schema.js';
import { toDomainList, toPac } from '../domain/domain-rules.js';
import { deleteRule, importRules, loadDomainPolicy, saveRule, tryPolicy } from '../services/domain-policy.js';
import { siteListHosts } from '../services/playlists.js';
import { actorOf, scopeOf } from './access.js';
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
  app.get('/api/admin/domain-rules', { config: { access: 'admin' }, schema: { response: withErrors({ 200: DomainRuleList }) } }, async () => {
    const policy = await loadDomainPolicy(ctx);
    return { rules: policy.rules.map(presentRule), sitesAllowListOnly: policy.sitesAllowListOnly };
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
      const { rule, created, recheck } = await saveRule(ctx, actorOf(request), request.body);
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
      const { skipped, ...counts } = await importRules(ctx, actorOf(request), request.body);
      return { ...counts, skipped: skipped.slice(0, 200), skippedCount: skipped.length };
    },
  );

  app.delete(
    '/api/admin/domain-rules/:id',
    { config: { access: 'admin' }, schema: { params: Type.Object({ id: Uuid }), response: withErrors({ 200: DomainRuleDeleted }) } },
    async (request) => {
      const { rule, recheck } = await deleteRule(ctx, actorOf(request), request.params.id);
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
      const { host, verdict } = await tryPolicy(ctx, request.query.url, request.query.sites === true);
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
