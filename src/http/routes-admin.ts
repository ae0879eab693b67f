import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../api-context.js';
import { parseStrictDate } from '../domain/dates.js';
import { VettedError } from '../domain/errors.js';
import type { DefaultExpiry } from '../db/settings.js';
import { purgeProgress } from '../services/purge.js';
import { auditLog, changeSchoolSettings, purgeNow, schoolSettings } from '../services/school-settings.js';
import { checkStorage } from '../services/storage-check.js';
import { reminderAcknowledgements, reminderHistory, writeReminder } from '../services/reminder.js';
import { staffOf } from './access.js';
import { toCsv } from './csv.js';
import { routeTableOf } from './route-table.js';
import {
  AuditLog, JsonOrCsv, PurgeProgress, PurgeResult, ReminderAcknowledgements, Reminders, ReminderSaved, RouteRules, SchoolSettings,
  SchoolSettingsSaved, StorageReport, withErrors,
} from './contract/index.js';

const badDate = (field: string) =>
  new VettedError('invalid_request', `The field "${field}" must be a date (2025-09-01) or a date and time (2025-09-01T08:00:00Z) between the years 1970 and 9999.`, { httpStatus: 400 });

function parseWhen(value: string | undefined, field: string, endOfDay = false): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const d = parseStrictDate(value, { endOfDay });
  if (!d) throw badDate(field);
  return d;
}

const AUDIT_CSV_HEADER = ['at', 'actor', 'action', 'target', 'target_label', 'ip', 'detail'] as const;

/**
 * The e-safety lead's console: the reminder and who acknowledged it, the audit log, school settings
 * (default expiry, allow-list mode for site lists), the purge, the storage check, and the access rule of
 * every route.
 */
export const adminRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext; root: FastifyInstance }> = async (app, { ctx, root }) => {
  // ---- the e-safety reminder ----------------------------------------------------------------------------

  app.get('/api/admin/reminder', { config: { access: 'admin' }, schema: { response: withErrors({ 200: Reminders }) } }, async () => reminderHistory(ctx));

  app.put(
    '/api/admin/reminder',
    {
      config: { access: 'admin' },
      schema: { body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 10_000, pattern: '\\S' }) }), response: withErrors({ 200: ReminderSaved }) },
    },
    async (request) => writeReminder(ctx, request.body.text, { id: staffOf(request).user.id, ip: request.ip }),
  );

  app.get(
    '/api/admin/reminder/acknowledgements',
    {
      config: { access: 'admin' },
      schema: {
        querystring: Type.Object({
          version: Type.Optional(Type.Integer({ minimum: 1 })),
          format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
        }),
        response: withErrors({ 200: JsonOrCsv(ReminderAcknowledgements, 'who acknowledged which version, and who has not yet read the current one') }),
      },
    },
    async (request, reply) => {
      const answer = await reminderAcknowledgements(ctx, request.query.version);
      if (request.query.format === 'csv') {
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="vetted-reminder-acknowledgements.csv"')
          .send(toCsv(['acknowledged_at', 'staff', 'role', 'version'], answer.acknowledgements.map((a) => [a.acknowledgedAt, a.user.email, a.user.role, a.version])));
      }
      return answer;
    },
  );

  // ---- the audit log ------------------------------------------------------------------------------------

  app.get(
    '/api/admin/audit',
    {
      config: { access: 'admin' },
      schema: {
        querystring: Type.Object({
          action: Type.Optional(Type.String({ maxLength: 100 })),
          actor: Type.Optional(Type.String({ maxLength: 320 })),
          target: Type.Optional(Type.String({ maxLength: 200 })),
          from: Type.Optional(Type.String({ maxLength: 40 })),
          to: Type.Optional(Type.String({ maxLength: 40 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
          format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
        }),
        response: withErrors({ 200: JsonOrCsv(AuditLog, 'the audit log, newest first') }),
      },
    },
    async (request, reply) => {
      const q = request.query;
      const csv = q.format === 'csv';
      const entries = await auditLog(ctx, {
        action: q.action || undefined,
        actor: q.actor || undefined,
        target: q.target || undefined,
        from: parseWhen(q.from, 'from'),
        to: parseWhen(q.to, 'to', true),
        limit: q.limit ?? (csv ? 100_000 : 1000),
      }, csv ? { id: staffOf(request).user.id, ip: request.ip, filter: { ...q } } : undefined);
      if (csv) {
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="vetted-audit-${new Date().toISOString().slice(0, 10)}.csv"`)
          .header('cache-control', 'no-store')
          .send(toCsv(AUDIT_CSV_HEADER, entries.map((e) => [e.at, e.actor, e.action, e.target, e.targetLabel, e.ip, e.detail])));
      }
      return { entries };
    },
  );

  // ---- school settings ----------------------------------------------------------------------------------

  app.get('/api/admin/settings', { config: { access: 'admin' }, schema: { response: withErrors({ 200: SchoolSettings }) } }, async () => schoolSettings(ctx));

  app.put(
    '/api/admin/settings',
    {
      config: { access: 'admin' },
      schema: {
        body: Type.Object(
          {
            defaultExpiry: Type.Optional(
              Type.Union([
                Type.Object(
                  {
                    days: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 3660 }), Type.Null()])),
                    until: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Null()])),
                  },
                  { additionalProperties: false },
                ),
                Type.Null(),
              ]),
            ),
            sitesAllowListOnly: Type.Optional(Type.Boolean()),
            approvalNeedsWatching: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: withErrors({ 200: SchoolSettingsSaved }),
      },
    },
    async (request) => {
      const staff = staffOf(request);
      const body = request.body;
      let defaultExpiry: DefaultExpiry | null | undefined;
      if (body.defaultExpiry !== undefined) {
        const until = parseWhen(body.defaultExpiry?.until ?? undefined, 'defaultExpiry.until', true);
        if (until && until.getTime() <= Date.now()) {
          throw new VettedError('invalid_request', 'The default expiry date must be in the future (for example the last day of this term).', { httpStatus: 400 });
        }
        defaultExpiry = body.defaultExpiry === null ? null : { days: body.defaultExpiry.days ?? undefined, until: until?.toISOString() };
      }
      return changeSchoolSettings(
        ctx,
        { defaultExpiry, sitesAllowListOnly: body.sitesAllowListOnly, approvalNeedsWatching: body.approvalNeedsWatching },
        { id: staff.user.id, ip: request.ip },
      );
    },
  );

  // ---- purge and storage --------------------------------------------------------------------------------

  app.post(
    '/api/admin/purge',
    { config: { access: 'admin' }, schema: { body: Type.Object({ dryRun: Type.Boolean() }), response: withErrors({ 200: PurgeResult }) } },
    async (request) => purgeNow(ctx, request.body.dryRun, { id: staffOf(request).user.id, ip: request.ip }),
  );

  /** Polled by the console's progress bar while a purge runs. */
  app.get('/api/admin/purge/progress', { config: { access: 'admin' }, schema: { response: withErrors({ 200: PurgeProgress }) } }, async () => purgeProgress(ctx).get());

  app.get('/api/admin/storage', { config: { access: 'admin' }, schema: { response: withErrors({ 200: StorageReport }) } }, async () => checkStorage(ctx));

  // ---- who may call what --------------------------------------------------------------------------------

  app.get('/api/admin/routes', { config: { access: 'admin' }, schema: { response: withErrors({ 200: RouteRules }) } }, async () => ({
    routes: routeTableOf(root)
      .filter((r) => r.method !== 'HEAD')
      .map((r) => ({ method: r.method, url: r.url, access: r.access }))
      .sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method)),
  }));
};
