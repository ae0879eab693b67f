import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { SessionUser, UsersRepository } from '../db/users.js';
import { VettedError } from '../domain/errors.js';

/**
 * Who may call a route. Every route declares one in `config.access`; a route without one is
 * refused at start-up, so no route is public by accident.
 * - anyone: no session needed (login, health, static pages)
 * - session: a signed-in staff member who has not yet acknowledged the reminder (ack, logout, me)
 * - staff: a signed-in staff member who has acknowledged this version of the reminder
 * - admin: the same, with role admin
 * - board: a board token in the path; the handler resolves it
 */
export type Access = 'anyone' | 'session' | 'staff' | 'admin' | 'board';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    staff: SessionUser | null;
  }
}

export const SESSION_COOKIE = 'vetted_session';

const notSignedIn = () =>
  new VettedError('not_signed_in', 'Please sign in to continue.', { httpStatus: 401 });

export async function resolveStaff(
  request: FastifyRequest,
  users: UsersRepository,
  idleMinutes: number,
): Promise<SessionUser | null> {
  const token = request.cookies[SESSION_COOKIE];
  if (!token) return null;
  return (await users.resolveSession(token, idleMinutes)) ?? null;
}

export default fp(
  async function accessPlugin(
    app: FastifyInstance,
    opts: { users: UsersRepository; idleMinutes: number; currentReminderVersion: () => Promise<number> },
  ) {
    app.decorateRequest('staff', null);

    app.addHook('onRoute', (route) => {
      const access = route.config?.access;
      if (!access) throw new Error(`route ${route.method} ${route.url} declares no access rule`);
    });

    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const access = request.routeOptions.config?.access;
      if (!access || access === 'anyone' || access === 'board') return;
      const staff = await resolveStaff(request, opts.users, opts.idleMinutes);
      if (!staff) {
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        throw notSignedIn();
      }
      request.staff = staff;
      if (access === 'session') return;
      if (staff.acknowledgedVersion !== (await opts.currentReminderVersion())) {
        throw new VettedError(
          'reminder_not_acknowledged',
          'Please read and acknowledge the school’s e-safety reminder before continuing.',
          { httpStatus: 403 },
        );
      }
      // After a reset by the admin, the temporary password works only to choose a new one (a `session` route).
      if (staff.user.must_change_password) {
        throw new VettedError('password_change_required', 'Please choose a new password before continuing.', { httpStatus: 403 });
      }
      if (access === 'admin' && staff.user.role !== 'admin') {
        throw new VettedError('forbidden', 'Only the school’s e-safety lead (an admin) can do this.', { httpStatus: 403 });
      }
    });
  },
  { name: 'access' },
);

/** The signed-in staff member of a request on a staff route (the hook has already checked). */
export function staffOf(request: FastifyRequest): SessionUser {
  if (!request.staff) throw notSignedIn();
  return request.staff;
}
