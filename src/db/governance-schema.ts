import type { ColumnType, Generated, Selectable } from 'kysely';
import type { DomainRuleAction } from '../domain/domain-rules.js';

/**
 * Table types of the governance migration (migrations/002_governance.ts), added to the service's
 * `Database` type. Kept beside schema.ts rather than in it so governance can change on its own.
 */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T> = ColumnType<T, string, string>;

export type IncidentStatus = 'open' | 'resolved';
export type IncidentResolution = 'reinstate' | 'remove';
export type ReporterKind = 'staff' | 'board' | 'system';

export interface IncidentsTable {
  id: Generated<string>;
  item_id: string;
  item_title: string | null;
  item_url: string;
  item_kind: string;
  item_status_before: string;
  class_id: string | null;
  class_name: string | null;
  playlist_id: string | null;
  playlist_name: string | null;
  note: Generated<string>;
  reporter_kind: ReporterKind;
  reporter_id: string | null;
  reporter_ip: string | null;
  status: Generated<IncidentStatus>;
  resolution: IncidentResolution | null;
  resolution_note: string | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  created_at: CreatedAt;
}

export interface DomainRulesTable {
  id: Generated<string>;
  pattern: string;
  action: DomainRuleAction;
  note: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface SettingsTable {
  key: string;
  value: Json<unknown>;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

export interface LoginFailuresTable {
  id: Generated<string>;
  email: string;
  ip: string | null;
  at: CreatedAt;
}

declare module './schema.js' {
  interface Database {
    incidents: IncidentsTable;
    domain_rules: DomainRulesTable;
    settings: SettingsTable;
    login_failures: LoginFailuresTable;
  }
}

export type IncidentRow = Selectable<IncidentsTable>;
export type DomainRuleRow = Selectable<DomainRulesTable>;
