import { sql } from 'kysely';
import type { Db } from './database.js';

/**
 * The e-safety reminder as the admin manages it: every version ever written (the newest is current) and who has
 * acknowledged which. A session's own acknowledgement is in users.ts (sign-in asks for it).
 */
export function remindersRepository(db: Db) {
  return {
    /** Every version, newest first, with its author (null for the first, written by the system). */
    async versions() {
      return db
        .selectFrom('reminders')
        .leftJoin('users', 'users.id', 'reminders.created_by')
        .select(['reminders.version', 'reminders.text', 'reminders.created_at', 'reminders.created_by', 'users.email', 'users.erased_at'])
        .orderBy('reminders.version', 'desc')
        .execute();
    },

    /** A new version: it becomes current, and every session must acknowledge it. */
    async write(text: string, by: string) {
      return db.insertInto('reminders').values({ text, created_by: by }).returning(['version', 'text', 'created_at']).executeTakeFirstOrThrow();
    },

    /** Acknowledgements, newest first, of one version or of all. */
    async acknowledgements(version?: number) {
      let q = db
        .selectFrom('reminder_acks')
        .innerJoin('users', 'users.id', 'reminder_acks.user_id')
        .select(['reminder_acks.version', 'reminder_acks.acknowledged_at', 'users.id', 'users.email', 'users.erased_at', 'users.role'])
        .orderBy('reminder_acks.acknowledged_at', 'desc');
      if (version) q = q.where('reminder_acks.version', '=', version);
      return q.execute();
    },

    /** Active staff who have not acknowledged this version, by email. */
    async notAcknowledgedBy(version: number) {
      return db
        .selectFrom('users')
        .select(['id', 'email', 'role', 'erased_at'])
        .where('disabled', '=', false)
        .where('erased_at', 'is', null)
        .where((eb) =>
          eb.not(
            eb.exists(eb.selectFrom('reminder_acks').select(sql`1`.as('one')).whereRef('reminder_acks.user_id', '=', 'users.id').where('reminder_acks.version', '=', version)),
          ),
        )
        .orderBy('email')
        .execute();
    },
  };
}

export type RemindersRepository = ReturnType<typeof remindersRepository>;
