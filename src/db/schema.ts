import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { ItemKind, ItemStatus } from '../domain/item-state.js';

/** Table types for Kysely. The migrations in `migrations/` are the source of truth; keep these in step. */

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export type Role = 'teacher' | 'admin';
export type PlaylistKind = 'videos' | 'sites';

export interface UsersTable {
  id: Generated<string>;
  email: string;
  password_hash: string;
  role: Role;
  disabled: Generated<boolean>;
  must_change_password: Generated<boolean>;
  erased_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  password_changed_at: Generated<Date>;
  created_at: CreatedAt;
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
  deleted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
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
}

export type UserRow = Selectable<UsersTable>;
export type ItemRow = Selectable<ItemsTable>;
export type NewItem = Insertable<ItemsTable>;
export type ItemUpdate = Updateable<ItemsTable>;
export type ClassRow = Selectable<ClassesTable>;
export type PlaylistRow = Selectable<PlaylistsTable>;
