import { sql } from 'kysely';
import { staffLabel, formerStaffLabel } from '../domain/people.js';
import type { Db } from './database.js';

export interface AuditFilter {
  /** Exact action, or a prefix ending in `*` (`item.*`). */
  action?: string;
  /** A staff email, a user or class id, `system`, `anonymous`, `board` (any board) or `board <class name>`. */
  actor?: string;
  /** Exact target (`item:<id>`), or a prefix ending in `*` (`item:*`). */
  target?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

export interface AuditView {
  id: string;
  at: string;
  actor: string;
  actorKind: string;
  actorId: string | null;
  action: string;
  target: string | null;
  targetLabel: string | null;
  ip: string | null;
  detail: unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function likePrefix(value: string): string {
  return `${value.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The read side of the audit log for the admin's view and CSV export: filters, newest first, and people
 * shown as governors read them — a staff email, "board <class name>", "system" — with erased staff
 * pseudonymised ("former staff #1a2b3c4d").
 */
export function auditQuery(db: Db) {
  return {
    async list(filter: AuditFilter): Promise<AuditView[]> {
      let q = db
        .selectFrom('audit_log')
        .leftJoin('users', (j) => j.onRef('users.id', '=', 'audit_log.actor_id').on('audit_log.actor_kind', 'in', ['staff', 'anonymous']))
        .leftJoin('classes', (j) => j.onRef('classes.id', '=', 'audit_log.actor_id').on('audit_log.actor_kind', '=', 'board'))
        .select([
          'audit_log.id',
          'audit_log.at',
          'audit_log.actor_id',
          'audit_log.actor_kind',
          'audit_log.action',
          'audit_log.target',
          'audit_log.ip',
          'audit_log.detail',
          'users.email',
          'users.erased_at',
          'classes.name as class_name',
        ]);
      if (filter.action) {
        q = filter.action.endsWith('*')
          ? q.where('audit_log.action', 'like', likePrefix(filter.action))
          : q.where('audit_log.action', '=', filter.action);
      }
      if (filter.target) {
        q = filter.target.endsWith('*')
          ? q.where('audit_log.target', 'like', likePrefix(filter.target))
          : q.where('audit_log.target', '=', filter.target);
      }
      if (filter.actor) {
        const a = filter.actor.trim();
        if (UUID.test(a)) q = q.where('audit_log.actor_id', '=', a.toLowerCase());
        else if (a === 'system' || a === 'anonymous' || a === 'board') q = q.where('audit_log.actor_kind', '=', a);
        else if (a.toLowerCase().startsWith('board ')) q = q.where('audit_log.actor_kind', '=', 'board').where('classes.name', '=', a.slice(6).trim());
        else if (a.toLowerCase().startsWith('former staff #')) {
          // Pseudonyms are hashes of the id: find the erased accounts whose pseudonym this is.
          const erased = await db.selectFrom('users').select('id').where('erased_at', 'is not', null).execute();
          const ids = erased.filter((u) => formerStaffLabel(u.id) === a.toLowerCase()).map((u) => u.id);
          q = ids.length ? q.where('audit_log.actor_id', 'in', ids) : q.where(sql<boolean>`false`);
        } else q = q.where('users.email', '=', a.toLowerCase()).where('users.erased_at', 'is', null);
      }
      if (filter.from) q = q.where('audit_log.at', '>=', filter.from);
      if (filter.to) q = q.where('audit_log.at', '<=', filter.to);
      const rows = await q.orderBy('audit_log.at', 'desc').orderBy('audit_log.id', 'desc').limit(filter.limit).execute();
      const labels = await targetLabels(db, rows.map((r) => r.target));
      return rows.map((r) => ({
        id: String(r.id),
        at: r.at.toISOString(),
        actor:
          r.actor_kind === 'staff'
            ? staffLabel(r.email === null ? undefined : { id: r.actor_id!, email: r.email, erased_at: r.erased_at }, r.actor_id)
            : r.actor_kind === 'board'
              ? `board ${r.class_name ?? '(deleted class)'}`
              : r.actor_kind,
        actorKind: r.actor_kind,
        actorId: r.actor_id,
        action: r.action,
        target: r.target,
        targetLabel: r.target ? (labels.get(r.target) ?? ruleFromDetail(r.target, r.detail) ?? plainTarget(r.target)) : null,
        ip: r.ip,
        detail: r.detail,
      }));
    },
  };
}

/** Readable names for `user:`, `item:`, `class:`, `playlist:` and `incident:` targets, looked up now. */
async function targetLabels(db: Db, targets: Array<string | null>): Promise<Map<string, string>> {
  const ids = (prefix: string) =>
    [...new Set(targets.filter((t): t is string => !!t && t.startsWith(prefix)).map((t) => t.slice(prefix.length)))].filter((id) => UUID.test(id));
  const out = new Map<string, string>();
  const users = ids('user:');
  if (users.length) {
    for (const u of await db.selectFrom('users').select(['id', 'email', 'erased_at']).where('id', 'in', users).execute()) {
      out.set(`user:${u.id}`, staffLabel(u));
    }
  }
  const items = ids('item:');
  if (items.length) {
    for (const i of await db.selectFrom('items').select(['id', 'title', 'url']).where('id', 'in', items).execute()) {
      out.set(`item:${i.id}`, i.title || i.url);
    }
    // Purged items live on in the incident log's snapshot.
    const gone = items.filter((id) => !out.has(`item:${id}`));
    if (gone.length) {
      for (const i of await db.selectFrom('incidents').select(['item_id', 'item_title', 'item_url']).where('item_id', 'in', gone).execute()) {
        out.set(`item:${i.item_id}`, `${i.item_title || i.item_url} (purged)`);
      }
    }
  }
  const classes = ids('class:');
  if (classes.length) {
    for (const c of await db.selectFrom('classes').select(['id', 'name']).where('id', 'in', classes).execute()) out.set(`class:${c.id}`, c.name);
  }
  const playlists = ids('playlist:');
  if (playlists.length) {
    for (const p of await db.selectFrom('playlists').select(['id', 'name']).where('id', 'in', playlists).execute()) out.set(`playlist:${p.id}`, p.name);
  }
  // Filtering rules by their domain (issue 15: never "rule:88da…"); a deleted rule is named from its entry's detail.
  const rules = ids('rule:');
  if (rules.length) {
    for (const r of await db.selectFrom('domain_rules').select(['id', 'pattern', 'action']).where('id', 'in', rules).execute()) {
      out.set(`rule:${r.id}`, `${r.action} ${r.pattern}`);
    }
  }
  const incidents = ids('incident:');
  if (incidents.length) {
    for (const i of await db.selectFrom('incidents').select(['id', 'item_title', 'item_url']).where('id', 'in', incidents).execute()) {
      out.set(`incident:${i.id}`, `report on ${i.item_title || i.item_url}`);
    }
  }
  return out;
}

export type AuditQuery = ReturnType<typeof auditQuery>;

/** The domain of a rule that no longer exists, from what its audit entry recorded. */
function ruleFromDetail(target: string, detail: unknown): string | null {
  if (!target.startsWith('rule:') || !detail || typeof detail !== 'object') return null;
  const d = detail as { pattern?: unknown; action?: unknown };
  return typeof d.pattern === 'string' ? `${typeof d.action === 'string' ? `${d.action} ` : ''}${d.pattern}` : null;
}

const GONE_WORDS: Record<string, string> = {
  item: 'an item since deleted',
  user: 'an account since deleted',
  class: 'a class since deleted',
  playlist: 'a playlist since deleted',
  rule: 'a filtering rule since deleted',
  incident: 'an incident',
};

const FIXED_TARGETS: Record<string, string> = {
  settings: 'the school settings',
  'settings:word_list': "the school's word list",
  'setting:youtube_updater_enabled': 'YouTube: the nightly yt-dlp update',
  'setting:youtube_pot_provider_enabled': 'YouTube: the PO-token provider',
  'program:yt-dlp': 'the yt-dlp program',
};

/** Every other target in words, never an id (issue 15: "rule:88da…" means nothing to a governor). */
function plainTarget(target: string): string {
  const fixed = FIXED_TARGETS[target];
  if (fixed) return fixed;
  const [kind = '', rest = ''] = target.split(/:(.*)/s);
  if (kind === 'reminder' && /^\d+$/.test(rest)) return `the e-safety reminder, version ${rest}`;
  return GONE_WORDS[kind] ?? kind.replace(/[_:]/g, ' ');
}
