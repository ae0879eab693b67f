import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { normaliseEmail } from '../db/users.js';
import { VettedError } from '../domain/errors.js';

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
 * behind one address is not locked out by its staff signing in.
 *
 * A try is counted *before* the password is checked, atomically: `take` locks the account's and the address's
 * counters (advisory locks, always in that order), refuses when either is at its limit, and otherwise records
 * the try as a failure; a sign-in that then succeeds takes it back. So a burst of N parallel guesses gets at
 * most the limit evaluated, never N. Rows older than the window are deleted as new ones arrive.
 */
export function loginThrottle(db: Db, limits: ThrottleLimits) {
  const window = sql`now() - make_interval(mins => ${limits.windowMinutes})`;

  /** Failures in the window for one account or address, and seconds until the oldest leaves it. */
  async function counted(q: Db, column: 'email' | 'ip', value: string): Promise<{ n: number; wait: number }> {
    const row = await q
      .selectFrom('login_failures')
      .select([
        sql<number>`count(*)::int`.as('n'),
        sql<number>`coalesce(ceil(extract(epoch from (min(at) + make_interval(mins => ${limits.windowMinutes}) - now())))::int, 0)`.as('wait'),
      ])
      .where(column, '=', value)
      .where('at', '>', window as never)
      .executeTakeFirst();
    return { n: row?.n ?? 0, wait: Math.max(1, row?.wait ?? 1) };
  }

  return {
    /**
     * Takes one try for this account and address, or throws TooManyAttempts (429). The try counts as a failure
     * until `succeeded` takes it back; `failed` tells whether it was the one that reached a limit.
     */
    async take(email: string, ip: string | null): Promise<LoginTry> {
      const e = normaliseEmail(email);
      const id = await db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(hashtext(${`vetted:login:account:${e}`}))`.execute(trx);
        if (ip) await sql`SELECT pg_advisory_xact_lock(hashtext(${`vetted:login:address:${ip}`}))`.execute(trx);
        const byAccount = await counted(trx, 'email', e);
        const byAddress = ip ? await counted(trx, 'ip', ip) : { n: 0, wait: 0 };
        const retry = Math.max(byAccount.n >= limits.perAccount ? byAccount.wait : 0, byAddress.n >= limits.perAddress ? byAddress.wait : 0);
        if (retry > 0) throw new TooManyAttempts(retry);
        const row = await trx.insertInto('login_failures').values({ email: e, ip }).returning('id').executeTakeFirstOrThrow();
        return row.id;
      });
      return {
        async failed() {
          await db.deleteFrom('login_failures').where('at', '<=', window as never).execute();
          const locked: Array<'account' | 'address'> = [];
          if ((await counted(db, 'email', e)).n === limits.perAccount) locked.push('account');
          if (ip && (await counted(db, 'ip', ip)).n === limits.perAddress) locked.push('address');
          return { locked };
        },
        async succeeded() {
          // The account's count starts again; the address keeps its other failures but not this try.
          await db.deleteFrom('login_failures').where((w) => w.or([w('email', '=', e), w('id', '=', id)])).execute();
        },
      };
    },
    /** For erasure: the counters name the email. */
    async forget(email: string): Promise<void> {
      await db.deleteFrom('login_failures').where('email', '=', normaliseEmail(email)).execute();
    },
  };
}

export interface LoginTry {
  /** The try failed: it stays counted. Tells whether it was the one that reached a limit (audited once). */
  failed(): Promise<{ locked: Array<'account' | 'address'> }>;
  /** The try succeeded: it is taken back, and the account's count starts again. */
  succeeded(): Promise<void>;
}

export type LoginThrottle = ReturnType<typeof loginThrottle>;
