import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './database.js';
import type { Role, UserRow } from './schema.js';
import type { SignInMethod } from './schema.js';

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

function sessionId(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface SessionUser {
  sessionId: string;
  user: Pick<UserRow, 'id' | 'email' | 'role' | 'must_change_password'>;
  acknowledgedVersion: number | null;
  signInMethod: SignInMethod;
  /** The reminder version this session must acknowledge: the one current when it began. */
  requiredVersion: number;
}

/** The newest reminder's version, for a session starting now. */
export const currentReminderVersion = sql<number>`(SELECT max(version) FROM reminders)`;

export function usersRepository(db: Db) {
  return {
    async create(email: string, passwordHash: string, role: Role): Promise<UserRow> {
      return db
        .insertInto('users')
        .values({ email: normaliseEmail(email), password_hash: passwordHash, role })
        .returningAll()
        .executeTakeFirstOrThrow();
    },
    async byEmail(email: string): Promise<UserRow | undefined> {
      return db.selectFrom('users').selectAll().where('email', '=', normaliseEmail(email)).executeTakeFirst();
    },
    async get(id: string): Promise<UserRow | undefined> {
      return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    },

    /** Starts a session; returns the cookie token (only its hash is stored). */
    async startSession(userId: string, ip: string | null, method: SignInMethod = 'password'): Promise<string> {
      const token = randomBytes(32).toString('base64url');
      await db
        .insertInto('sessions')
        .values({ id: sessionId(token), user_id: userId, ip, last_seen_at: new Date(), reminder_version: currentReminderVersion as never, sign_in_method: method })
        .execute();
      return token;
    },

    /**
     * The session behind a cookie, if it is still good: the account is enabled, the session has
     * been used within the idle limit, and it began after the last password change.
     */
    async resolveSession(token: string, idleMinutes: number): Promise<SessionUser | undefined> {
      const id = sessionId(token);
      const row = await db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select([
          'sessions.id as session_id',
          'sessions.acknowledged_version',
          sql<number>`coalesce(sessions.reminder_version, ${currentReminderVersion})`.as('required_version'),
          'sessions.last_seen_at',
          'sessions.sign_in_method',
          'users.id',
          'users.email',
          'users.role',
          'users.must_change_password',
        ])
        .where('sessions.id', '=', id)
        .where('users.disabled', '=', false)
        .where('users.erased_at', 'is', null)
        .where(sql<boolean>`sessions.last_seen_at > now() - make_interval(mins => ${idleMinutes})`)
        .where(sql<boolean>`sessions.created_at >= users.password_changed_at`)
        .executeTakeFirst();
      if (!row) return undefined;
      // Touch at most once a minute: a busy teacher page should not write on every request.
      if (Date.now() - row.last_seen_at.getTime() > 60_000) {
        await db.updateTable('sessions').set({ last_seen_at: new Date() }).where('id', '=', id).execute();
      }
      return {
        sessionId: row.session_id,
        // A password set by the admin matters only to someone who signs in with it, not after a school-account sign-in.
        user: { id: row.id, email: row.email, role: row.role, must_change_password: row.must_change_password && row.sign_in_method === 'password' },
        acknowledgedVersion: row.acknowledged_version,
        signInMethod: row.sign_in_method,
        requiredVersion: row.required_version,
      };
    },

    async endSession(sessionIdHash: string): Promise<void> {
      await db.deleteFrom('sessions').where('id', '=', sessionIdHash).execute();
    },

    async endAllSessions(userId: string): Promise<void> {
      await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
    },

    async currentReminder(): Promise<{ version: number; text: string }> {
      return db
        .selectFrom('reminders')
        .select(['version', 'text'])
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow();
    },

    async acknowledge(sessionIdHash: string, userId: string, version: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('reminder_acks')
          .values({ user_id: userId, version })
          .onConflict((oc) => oc.columns(['user_id', 'version']).doNothing())
          .execute();
        await trx.updateTable('sessions').set({ acknowledged_version: version }).where('id', '=', sessionIdHash).execute();
      });
    },
  };
}

export type UsersRepository = ReturnType<typeof usersRepository>;
