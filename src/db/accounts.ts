import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { erasedEmail } from '../domain/people.js';
import { currentReminderVersion } from './users.js';
import type { Db } from './database.js';
import type { Role, UserRow } from './schema.js';

/**
 * Staff accounts as the admin manages them (users.ts has sign-in and sessions). Every change that should end
 * a person's sessions deletes them in the same transaction, so "disabled" means "out, now".
 */
export function accountsRepository(db: Db) {
  /** Joins the caller's transaction when there is one (see `keepingAnActiveAdmin`). */
  const inTransaction = <T>(work: (trx: Db) => Promise<T>): Promise<T> => (db.isTransaction ? work(db) : db.transaction().execute(work));

  return {
    async list() {
      return db
        .selectFrom('users')
        .leftJoin(
          (eb) =>
            eb
              .selectFrom('sessions')
              .select(['user_id', sql<Date>`max(last_seen_at)`.as('last_seen_at'), sql<number>`count(*)::int`.as('sessions')])
              .groupBy('user_id')
              .as('s'),
          (j) => j.onRef('s.user_id', '=', 'users.id'),
        )
        .leftJoin(
          (eb) => eb.selectFrom('reminder_acks').select(['user_id', sql<number>`max(version)`.as('version')]).groupBy('user_id').as('a'),
          (j) => j.onRef('a.user_id', '=', 'users.id'),
        )
        .select([
          'users.id',
          'users.email',
          'users.role',
          'users.disabled',
          'users.must_change_password',
          'users.erased_at',
          'users.created_at',
          'users.password_changed_at',
          'users.oidc_subject',
          'users.break_glass',
          sql<boolean>`users.password_hash NOT LIKE '!%'`.as('has_password'),
          's.last_seen_at',
          's.sessions',
          'a.version as acknowledged_version',
        ])
        .orderBy('users.erased_at', (ob) => ob.desc().nullsFirst())
        .orderBy('users.email')
        .execute();
    },

    async activeAdminCount(): Promise<number> {
      const row = await db
        .selectFrom('users')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('role', '=', 'admin')
        .where('disabled', '=', false)
        .where('erased_at', 'is', null)
        .executeTakeFirst();
      return row?.n ?? 0;
    },

    async setDisabled(id: string, disabled: boolean): Promise<UserRow | undefined> {
      return inTransaction(async (trx) => {
        const row = await trx.updateTable('users').set({ disabled }).where('id', '=', id).returningAll().executeTakeFirst();
        if (row && disabled) await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
        return row;
      });
    },

    /** Asks the person to choose their own password at the next sign-in. */
    async requirePasswordChange(id: string): Promise<UserRow | undefined> {
      return db.updateTable('users').set({ must_change_password: true }).where('id', '=', id).returningAll().executeTakeFirst();
    },

    async setRole(id: string, role: Role): Promise<UserRow | undefined> {
      return db.updateTable('users').set({ role }).where('id', '=', id).returningAll().executeTakeFirst();
    },

    /** An admin's reset: a temporary password that must be changed at the next sign-in; every session ends. */
    async resetPassword(id: string, passwordHash: string): Promise<UserRow | undefined> {
      return inTransaction(async (trx) => {
        const row = await trx
          .updateTable('users')
          .set({ password_hash: passwordHash, must_change_password: true, password_changed_at: sql`now()` as never })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        if (row) await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
        return row;
      });
    },

    /**
     * The owner's change: ends every session (older sessions stop working anyway, as they began before
     * password_changed_at) and starts a fresh one for the browser that made the change, keeping its
     * acknowledgement of the reminder. Returns the new session's cookie token.
     */
    async changePassword(id: string, passwordHash: string, ip: string | null, acknowledgedVersion: number | null): Promise<string> {
      const token = randomBytes(32).toString('base64url');
      await inTransaction(async (trx) => {
        await trx
          .updateTable('users')
          .set({ password_hash: passwordHash, must_change_password: false, password_changed_at: sql`now()` as never })
          .where('id', '=', id)
          .execute();
        await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
        await trx
          .insertInto('sessions')
          .values({
            id: createHash('sha256').update(token).digest('hex'),
            user_id: id,
            ip,
            last_seen_at: new Date(),
            acknowledged_version: acknowledgedVersion,
            // Like a new sign-in: the newest reminder is the one this session must have read.
            reminder_version: currentReminderVersion as never,
          })
          .execute();
      });
      return token;
    },

    /**
     * Erasure of a departed member: the email and password go, the row stays under a pseudonym (so the
     * audit trail, incidents and items keep pointing at one anonymous person), sessions and failed-login
     * counters that name the email are deleted.
     */
    async erase(id: string): Promise<UserRow | undefined> {
      return inTransaction(async (trx) => {
        const before = await trx.selectFrom('users').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
        if (!before) return undefined;
        const row = await trx
          .updateTable('users')
          .set({
            email: erasedEmail(id),
            // Not an argon2 hash: no password can ever match it.
            password_hash: '!erased',
            // The provider's identifier for the person is personal data too.
            oidc_issuer: null,
            oidc_subject: null,
            break_glass: false,
            disabled: true,
            must_change_password: false,
            erased_at: sql`now()` as never,
            password_changed_at: sql`now()` as never,
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
        await trx.deleteFrom('login_failures').where('email', '=', before.email).execute();
        return row;
      });
    },

    /** Everything held about one staff member, for a subject access request. */
    async subjectData(id: string) {
      const user = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      if (!user) return undefined;
      const [sessions, acknowledgements, audit, auditAbout, submitted, reviewed, classes, incidentsReported, incidentsResolved, rules, reminders] =
        await Promise.all([
          db.selectFrom('sessions').select(['created_at', 'last_seen_at', 'ip', 'acknowledged_version']).where('user_id', '=', id).orderBy('created_at').execute(),
          db.selectFrom('reminder_acks').select(['version', 'acknowledged_at']).where('user_id', '=', id).orderBy('version').execute(),
          db.selectFrom('audit_log').select(['at', 'action', 'target', 'ip', 'detail']).where('actor_id', '=', id).orderBy('at').orderBy('id').execute(),
          // What others did to the account (created it, reset its password, failed sign-ins against it).
          db.selectFrom('audit_log').select(['at', 'actor_kind', 'action', 'ip']).where('target', '=', `user:${id}`).where('actor_id', 'is distinct from', id).orderBy('at').orderBy('id').execute(),
          db.selectFrom('items').select(['id', 'title', 'url', 'status', 'created_at']).where('submitted_by', '=', id).orderBy('created_at').execute(),
          db.selectFrom('items').select(['id', 'title', 'url', 'status', 'reviewed_at']).where('reviewed_by', '=', id).orderBy('reviewed_at').execute(),
          db.selectFrom('classes').select(['id', 'name', 'created_at']).where('created_by', '=', id).orderBy('created_at').execute(),
          db.selectFrom('incidents').select(['id', 'item_title', 'item_url', 'note', 'created_at']).where('reporter_kind', '=', 'staff').where('reporter_id', '=', id).orderBy('created_at').execute(),
          db.selectFrom('incidents').select(['id', 'item_title', 'resolution', 'resolution_note', 'resolved_at']).where('resolved_by', '=', id).orderBy('resolved_at').execute(),
          db.selectFrom('domain_rules').select(['pattern', 'action', 'note', 'created_at']).where('created_by', '=', id).orderBy('created_at').execute(),
          db.selectFrom('reminders').select(['version', 'text', 'created_at']).where('created_by', '=', id).orderBy('version').execute(),
        ]);
      return { user, sessions, acknowledgements, audit, auditAbout, submitted, reviewed, classes, incidentsReported, incidentsResolved, rules, reminders };
    },
  };
}

export type AccountsRepository = ReturnType<typeof accountsRepository>;

class NoAdminLeft extends Error {}

/**
 * Runs a change to staff accounts so that the school always keeps an active admin, also when two admins
 * disable or demote each other at the same moment: such changes take one lock in turn, and the count is
 * made after the change, inside its transaction; `{ok: false}` (and nothing changed) when it would reach zero.
 */
export async function keepingAnActiveAdmin<T>(db: Db, change: (accounts: AccountsRepository) => Promise<T>): Promise<{ ok: true; result: T } | { ok: false }> {
  try {
    return await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext('vetted:active-admins'))`.execute(trx);
      const accounts = accountsRepository(trx);
      const result = await change(accounts);
      if ((await accounts.activeAdminCount()) < 1) throw new NoAdminLeft();
      return { ok: true as const, result };
    });
  } catch (e) {
    if (e instanceof NoAdminLeft) return { ok: false };
    throw e;
  }
}
