import { sql } from 'kysely';
import type { Db } from './database.js';

/** Failures in the window for one account or address, and seconds until the oldest of them leaves it. */
export interface FailureCount {
  n: number;
  wait: number;
}

/**
 * The sign-in throttle's counters (src/auth/login-throttle.ts holds the rule): failed sign-ins per account
 * (email as typed, so unknown emails count too) and per client address, kept for `windowMinutes`.
 */
export function loginFailuresRepository(db: Db, windowMinutes: number) {
  const window = sql`now() - make_interval(mins => ${windowMinutes})`;

  async function counted(q: Db, column: 'email' | 'ip', value: string): Promise<FailureCount> {
    const row = await q
      .selectFrom('login_failures')
      .select([
        sql<number>`count(*)::int`.as('n'),
        sql<number>`coalesce(ceil(extract(epoch from (min(at) + make_interval(mins => ${windowMinutes}) - now())))::int, 0)`.as('wait'),
      ])
      .where(column, '=', value)
      .where('at', '>', window as never)
      .executeTakeFirst();
    return { n: row?.n ?? 0, wait: Math.max(1, row?.wait ?? 1) };
  }

  return {
    /**
     * Counts a try as a failure, atomically with the decision whether it may be made: the account's and the
     * address's counters are locked (advisory locks, always in that order), `refuse` sees their counts and throws
     * to refuse the try, and otherwise the try is recorded. Returns the recorded try's id (to take it back).
     */
    async countTry(email: string, ip: string | null, refuse: (byAccount: FailureCount, byAddress: FailureCount) => void): Promise<string> {
      return db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(hashtext(${`vetted:login:account:${email}`}))`.execute(trx);
        if (ip) await sql`SELECT pg_advisory_xact_lock(hashtext(${`vetted:login:address:${ip}`}))`.execute(trx);
        const byAccount = await counted(trx, 'email', email);
        const byAddress = ip ? await counted(trx, 'ip', ip) : { n: 0, wait: 0 };
        refuse(byAccount, byAddress);
        const row = await trx.insertInto('login_failures').values({ email, ip }).returning('id').executeTakeFirstOrThrow();
        return row.id;
      });
    },
    /** Failures of this account, or from this address, still in the window. */
    async ofAccount(email: string): Promise<FailureCount> {
      return counted(db, 'email', email);
    },
    async fromAddress(ip: string): Promise<FailureCount> {
      return counted(db, 'ip', ip);
    },
    /** Rows older than the window count for nothing any more. */
    async dropExpired(): Promise<void> {
      await db.deleteFrom('login_failures').where('at', '<=', window as never).execute();
    },
    /** A sign-in succeeded: the account's count starts again; the address keeps its other failures but not this try. */
    async clearAccount(email: string, tryId: string): Promise<void> {
      await db.deleteFrom('login_failures').where((w) => w.or([w('email', '=', email), w('id', '=', tryId)])).execute();
    },
    /** For erasure: the counters name the email. */
    async forget(email: string): Promise<void> {
      await db.deleteFrom('login_failures').where('email', '=', email).execute();
    },
  };
}

export type LoginFailuresRepository = ReturnType<typeof loginFailuresRepository>;
