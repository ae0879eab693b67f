import { Type, type Static } from '@sinclair/typebox';
import { Choice, IsoTime, Nullable } from './common.js';
import { Item, ItemStatus } from './items.js';

/** Reports and incidents: an item reported as unsuitable leaves every board; the e-safety lead resolves each report. */

export const Incident = Type.Object({
  id: Type.String(),
  status: Choice(['open', 'resolved']),
  note: Type.String(),
  createdAt: IsoTime,
  reportedBy: Type.Object({ kind: Choice(['staff', 'board', 'system']), label: Type.String() }),
  approvedBy: Nullable(Type.Object({ label: Type.String(), at: Nullable(IsoTime) }, { description: 'who had approved the reported item' })),
  item: Type.Object({
    id: Type.String(),
    title: Type.String(),
    url: Type.String(),
    kind: Type.String(),
    statusBefore: Type.String(),
    statusNow: Nullable(Type.String({ description: 'null once the purge has deleted the item' })),
    classId: Nullable(Type.String()),
    className: Nullable(Type.String()),
    playlistId: Nullable(Type.String()),
    playlistName: Nullable(Type.String()),
  }),
  resolution: Nullable(
    Type.Object({ action: Nullable(Choice(['reinstate', 'remove'])), note: Type.String(), by: Type.String(), at: Nullable(IsoTime) }),
  ),
});
export const IncidentAnswer = Type.Object({ incident: Incident });
export const IncidentList = Type.Object({ incidents: Type.Array(Incident), open: Type.Integer() });
export const IncidentResolved = Type.Object({ incident: Incident, item: Nullable(Item) });
/** A board learns only that its report was taken. */
export const BoardReportTaken = Type.Object({
  incident: Type.Object({ id: Type.String(), itemId: Type.String(), status: Choice(['open', 'resolved']), createdAt: IsoTime }),
});

/** Live items a policy change took off the boards. */
const RecheckedItem = Type.Object({ id: Type.String(), title: Nullable(Type.String()), host: Type.String(), rule: Nullable(Type.String()) });
export const Recheck = Type.Object({ quarantined: Type.Array(RecheckedItem), failed: Type.Array(RecheckedItem) });

export const DomainRule = Type.Object({
  id: Type.String(),
  pattern: Type.String({ description: '`example.com` or `*.example.com`' }),
  action: Choice(['allow', 'block']),
  note: Nullable(Type.String()),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export const DomainRuleList = Type.Object({ rules: Type.Array(DomainRule), sitesAllowListOnly: Type.Boolean() });
export const DomainRuleSaved = Type.Object({ rule: DomainRule, created: Type.Boolean(), recheck: Recheck });
export const DomainRuleDeleted = Type.Object({ deleted: DomainRule, recheck: Recheck });
export const DomainListImported = Type.Object({
  added: Type.Integer(),
  changed: Type.Integer(),
  unchanged: Type.Integer(),
  skipped: Type.Array(Type.Object({ line: Type.Integer(), text: Type.String() }), { description: 'the first 200' }),
  skippedCount: Type.Integer(),
  recheck: Recheck,
});
export const DomainCheck = Type.Object({
  host: Type.String(),
  allowed: Type.Boolean(),
  reason: Choice(['allow_rule', 'no_rule', 'blocked', 'not_allow_listed', 'unreadable_host']),
  rule: Nullable(DomainRule),
});

/** What a purge deleted (or, in a dry run, would delete). */
export const PurgeResult = Type.Object({
  items: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), status: ItemStatus, bytes: Type.Number() })),
  bytes: Type.Number(),
  dryRun: Type.Boolean(),
  skipped: Type.Integer({ description: 'items another purge was deleting at the same moment' }),
  retentionDays: Type.Number(),
});
export const PurgeProgress = Type.Object({ running: Type.Boolean(), done: Type.Integer(), total: Type.Integer() });

export const StorageReport = Type.Object({
  filesWithoutItem: Type.Array(Type.Object({ itemId: Type.String(), area: Choice(['media', 'work', 'originals']) })),
  itemsWithMissingFiles: Type.Array(
    Type.Object({ itemId: Type.String(), title: Nullable(Type.String()), status: Type.String(), missing: Type.Array(Type.String()) }),
  ),
});

export type Incident = Static<typeof Incident>;
export type DomainRule = Static<typeof DomainRule>;
export type Recheck = Static<typeof Recheck>;
export type PurgeResult = Static<typeof PurgeResult>;
export type StorageReport = Static<typeof StorageReport>;
