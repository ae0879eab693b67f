import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { normaliseEmail } from '../db/users.js';
import { VettedError } from '../domain/errors.js';
import '../db/governance-schema.js';

export interface ThrottleLimits {
  perAccount: number;
  perAddress: number;
  windowMinutes: number;
}

export class TooManyAttempts extends VettedError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
    super('too_many_attempts', `Too many failed sign-ins. Wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again, or ask your e-safety lead to reset your password.`, {
      httpStatus: 429,
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Failed sign-ins counted per account (email as typed, so unknown emails count too) and per client
 * address, in Postgres so that every API process sees the same counts. Only failures count: a school
 * behind one address is not locked out by its staff signing in. Rows older than the window are deleted
 * as new ones arrive.
 */
export function loginThrottle(db: Db, limits: ThrottleLimits) {
  const window = sql`now() - make_interval(mins => ${limits.windowMinutes})`;

  /** Seconds until the oldest failure that still counts leaves the window. */
  async function wait(column: 'email' | 'ip', value: string, limit: number): Promise<number> {
    const row = await db
      .selectFrom('login_failures')
      .select([
        sql<number>`count(*)::int`.as('n'),
        sql<number>`ceil(extract(epoch from (min(at) + make_interval(mins => ${limits.windowMinutes}) - now())))::int`.as('wait'),
      ])
      .where(column, '=', value)
      .where('at', '>', window as never)
      .executeTakeFirst();
    return row && row.n >= limit ? Math.max(1, row.wait) : 0;
  }

  return {
    /** Throws TooManyAttempts (429) while the account or the address is over its limit. */
    async check(email: string, ip: string | null): Promise<void> {
      const byAccount = await wait('email', normaliseEmail(email), limits.perAccount);
      const byAddress = ip ? await wait('ip', ip, limits.perAddress) : 0;
      const retry = Math.max(byAccount, byAddress);
      if (retry > 0) throw new TooManyAttempts(retry);
    },
    /** Counts a failure; tells whether this one reached a limit (so the lock-out can be audited once). */
    async fail(email: string, ip: string | null): Promise<{ locked: Array<'account' | 'address'> }> {
      const e = normaliseEmail(email);
      await db.deleteFrom('login_failures').where('at', '<=', window as never).execute();
      await db.insertInto('login_failures').values({ email: e, ip }).execute();
      const count = async (column: 'email' | 'ip', value: string) =>
        Number(
          (
            await db
              .selectFrom('login_failures')
              .select(sql<number>`count(*)::int`.as('n'))
              .where(column, '=', value)
              .where('at', '>', window as never)
              .executeTakeFirst()
          )?.n ?? 0,
        );
      const locked: Array<'account' | 'address'> = [];
      if ((await count('email', e)) === limits.perAccount) locked.push('account');
      if (ip && (await count('ip', ip)) === limits.perAddress) locked.push('address');
      return { locked };
    },
    /** A successful sign-in clears the account's count (not the address's). */
    async succeed(email: string): Promise<void> {
      await db.deleteFrom('login_failures').where('email', '=', normaliseEmail(email)).execute();
    },
    /** For erasure: the counters name the email. */
    async forget(email: string): Promise<void> {
      await db.deleteFrom('login_failures').where('email', '=', normaliseEmail(email)).execute();
    },
  };
}

export type LoginThrottle = ReturnType<typeof loginThrottle>;
