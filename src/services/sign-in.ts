import { dummyPasswordHash, verifyPassword } from '../auth/passwords.js';
import type { AppContext } from '../api-context.js';
import type { UserRow } from '../db/schema.js';
import { VettedError } from '../domain/errors.js';
import { assertPasswordSignInAllowed } from './sign-in-methods.js';

const badCredentials = () =>
  new VettedError('invalid_credentials', 'That email and password do not match an active account. Check them and try again.', {
    httpStatus: 401,
  });

/**
 * Password sign-in. The try is counted before the (slow, deliberately) password check, so parallel guesses
 * cannot outrun the limits; a success takes it back. Throws 429 `too_many_attempts` (with `retryAfterSeconds`)
 * or 401 `invalid_credentials`; every failure is audited, and the one that reaches a limit once more.
 */
export async function passwordSignIn(ctx: AppContext, input: { email: string; password: string; ip: string }): Promise<{ user: UserRow; token: string }> {
  const { users, audit, loginThrottle } = ctx.repos;
  const attempt = await loginThrottle.take(input.email, input.ip);
  const user = await users.byEmail(input.email);
  const ok = await verifyPassword(user?.password_hash ?? (await dummyPasswordHash()), input.password);
  if (!user || !ok || user.disabled || user.erased_at) {
    await audit.record({ actorId: user?.id ?? null, actorKind: 'anonymous', action: 'login.failed', target: user ? `user:${user.id}` : null, ip: input.ip });
    const { locked } = await attempt.failed();
    if (locked.length) {
      await audit.record({ actorId: user?.id ?? null, actorKind: 'anonymous', action: 'login.locked', target: user ? `user:${user.id}` : null, ip: input.ip, detail: { scope: locked } });
    }
    throw badCredentials();
  }
  await attempt.succeeded();
  await assertPasswordSignInAllowed(ctx, user, input.ip);
  const token = await users.startSession(user.id, input.ip);
  await audit.record({ actorId: user.id, actorKind: 'staff', action: 'login', target: `user:${user.id}`, ip: input.ip });
  return { user, token };
}
