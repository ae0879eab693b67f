import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { DomainRuleAction } from '../domain/domain-rules.js';
import type { ItemKind, ItemStatus } from '../domain/item-state.js';

/**
 * Every table's type for Kysely, in one file. The migrations in `migrations/` are the source of truth; keep
 * these in step (a column a migration adds is written here in its table, with the migration named beside it).
 */

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;

export type Role = 'teacher' | 'admin';
export type PlaylistKind = 'videos' | 'sites';
export type SignInMethod = 'password' | 'school_account';
export type IncidentStatus = 'open' | 'resolved';
export type IncidentResolution = 'reinstate' | 'remove';
export type ReporterKind = 'staff' | 'board' | 'system';

export interface UsersTable {
  id: Generated<string>;
  email: string;
  password_hash: string;
  role: Role;
  disabled: Generated<boolean>;
  must_change_password: Generated<boolean>;
  erased_at: NullableTimestamp;
  password_changed_at: Generated<Date>;
  created_at: CreatedAt;
  /** 004: the provider and the person's subject there, recorded at the first school-account sign-in. */
  oidc_issuer: ColumnType<string | null, string | null | undefined, string | null>;
  oidc_subject: ColumnType<string | null, string | null | undefined, string | null>;
  /** 004: the one admin who may still sign in with a password when password sign-in is off. */
  break_glass: Generated<boolean>;
}

export interface SessionsTable {
  /** sha256 of the cookie token: a database leak gives no usable session. */
  id: string;
  user_id: string;
  created_at: CreatedAt;
  last_seen_at: Timestamp;
  acknowledged_version: ColumnType<number | null, number | null | undefined, number | null>;
  /** The reminder version current when the session began: the one it must acknowledge. */
  reminder_version: ColumnType<number | null, number | null | undefined, number | null>;
  ip: string | null;
  /** 004 */
  sign_in_method: Generated<SignInMethod>;
}

export interface RemindersTable {
  version: Generated<number>;
  text: string;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface ReminderAcksTable {
  user_id: string;
  version: number;
  acknowledged_at: CreatedAt;
}

export interface ClassesTable {
  id: Generated<string>;
  name: string;
  board_token: string;
  created_by: string | null;
  created_at: CreatedAt;
  /** Set when the class is deleted: its board link is dead and it is shown to nobody. */
  deleted_at: NullableTimestamp;
  /** 007: when a board last loaded the class (at most once a minute is recorded). */
  board_seen_at: NullableTimestamp;
}

export interface ClassMembersTable {
  class_id: string;
  user_id: string;
  added_by: string | null;
  added_at: CreatedAt;
}

export interface StorageLeasesTable {
  item_id: string;
  kind: string;
  taken_at: CreatedAt;
}

export interface PlaylistsTable {
  id: Generated<string>;
  class_id: string;
  name: string;
  kind: PlaylistKind;
  created_at: CreatedAt;
}

export interface ItemMediaFiles {
  /** File names inside the item's media folder (storage key `<itemId>/<generation>/<name>`). */
  video?: string;
  poster?: string;
  thumbnail?: string;
  page?: string;
  captions?: string;
  images?: string[];
  /** One sprite of the storyboard's scenes (issue 12), and each scene's own picture (times in `details.vetting`). */
  storyboard?: string;
  scenes?: string[];
}

export interface ItemsTable {
  id: Generated<string>;
  playlist_id: string;
  url: string;
  canonical_url: string;
  kind: ItemKind;
  status: Generated<ItemStatus>;
  progress: Generated<number>;
  title: string | null;
  /** true when the teacher typed the title: a processed title must not overwrite it. */
  title_locked: Generated<boolean>;
  duration_seconds: number | null;
  start_seconds: number | null;
  end_seconds: number | null;
  error_code: string | null;
  error_message: string | null;
  media: Json<ItemMediaFiles | null> | null;
  media_generation: Generated<number>;
  media_bytes: Generated<string>;
  attempts: Generated<number>;
  details: Json<Record<string, unknown>> | null;
  submitted_by: string | null;
  reviewed_by: string | null;
  reviewed_at: Date | null;
  reject_reason: string | null;
  expires_at: Date | null;
  position: Generated<number>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  /** 007: the teacher chose to open the live site on the board (allow-listed domains only) rather than the copy. */
  open_live: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: CreatedAt;
  actor_id: string | null;
  actor_kind: 'staff' | 'board' | 'system' | 'anonymous';
  action: string;
  target: string | null;
  ip: string | null;
  detail: Json<Record<string, unknown>> | null;
}

/** 002: safeguarding governance. */
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

/** 004: a school-account sign-in under way (the OpenID Connect state, nonce and PKCE verifier). */
export interface SignInAttemptsTable {
  id: string;
  state: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
  created_at: CreatedAt;
}

/** 007: what each reviewer has played of each item. */
export interface ItemViewingsTable {
  item_id: string;
  user_id: string;
  media_generation: number;
  ranges: ColumnType<Array<[number, number]>, string, string>;
  coverage: number;
  first_at: ColumnType<Date, Date | string | undefined, Date | string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  reminders: RemindersTable;
  reminder_acks: ReminderAcksTable;
  classes: ClassesTable;
  class_members: ClassMembersTable;
  storage_leases: StorageLeasesTable;
  playlists: PlaylistsTable;
  items: ItemsTable;
  audit_log: AuditLogTable;
  incidents: IncidentsTable;
  domain_rules: DomainRulesTable;
  settings: SettingsTable;
  login_failures: LoginFailuresTable;
  sign_in_attempts: SignInAttemptsTable;
  item_viewings: ItemViewingsTable;
}

export type UserRow = Selectable<UsersTable>;
export type ItemRow = Selectable<ItemsTable>;
export type NewItem = Insertable<ItemsTable>;
export type ItemUpdate = Updateable<ItemsTable>;
export type ClassRow = Selectable<ClassesTable>;
export type PlaylistRow = Selectable<PlaylistsTable>;
export type IncidentRow = Selectable<IncidentsTable>;
export type DomainRuleRow = Selectable<DomainRulesTable>;
export type ViewingRow = Selectable<ItemViewingsTable>;
