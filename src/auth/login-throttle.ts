import type { LoginFailuresRepository } from '../db/login-failures.js';
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
 * address, in Postgres (src/db/login-failures.ts) so that every API process sees the same counts. Only failures count: a school
 * behind one address is not locked out by its staff signing in.
 *
 * A try is counted *before* the password is checked, atomically: `take` locks the account's and the address's
 * counters (advisory locks, always in that order), refuses when either is at its limit, and otherwise records
 * the try as a failure; a sign-in that then succeeds takes it back. So a burst of N parallel guesses gets at
 * most the limit evaluated, never N. Rows older than the window are deleted as new ones arrive.
 */
export function loginThrottle(failures: LoginFailuresRepository, limits: ThrottleLimits) {
  return {
    /**
     * Takes one try for this account and address, or throws TooManyAttempts (429). The try counts as a failure
     * until `succeeded` takes it back; `failed` tells whether it was the one that reached a limit.
     */
    async take(email: string, ip: string | null): Promise<LoginTry> {
      const e = normaliseEmail(email);
      const id = await failures.countTry(e, ip, (byAccount, byAddress) => {
        const retry = Math.max(byAccount.n >= limits.perAccount ? byAccount.wait : 0, byAddress.n >= limits.perAddress ? byAddress.wait : 0);
        if (retry > 0) throw new TooManyAttempts(retry);
      });
      return {
        async failed() {
          await failures.dropExpired();
          const locked: Array<'account' | 'address'> = [];
          if ((await failures.ofAccount(e)).n === limits.perAccount) locked.push('account');
          if (ip && (await failures.fromAddress(ip)).n === limits.perAddress) locked.push('address');
          return { locked };
        },
        async succeeded() {
          await failures.clearAccount(e, id);
        },
      };
    },
    /** For erasure: the counters name the email. */
    async forget(email: string): Promise<void> {
      await failures.forget(normaliseEmail(email));
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
