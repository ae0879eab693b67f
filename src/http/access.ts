import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { ClassMembersRepository, ClassScopeKind } from '../db/class-members.js';
import type { classesRepository } from '../db/classes.js';
import type { ClassRow } from '../db/schema.js';
import type { SessionUser, UsersRepository } from '../db/users.js';
import { unknownBoard, VettedError } from '../domain/errors.js';
import { UUID_RE } from './schemas.js';

/**
 * Who may call a route. Every route declares one in `config.access`; a route without one is
 * refused at start-up, so no route is public by accident.
 * - anyone: no session needed (login, health, static pages)
 * - session: a signed-in staff member who has not yet acknowledged the reminder (ack, logout, me)
 * - staff: a signed-in staff member who has acknowledged this version of the reminder
 * - admin: the same, with role admin
 * - member: staff, and a member of the class that the route's `scope` names (an admin is a member of every
 *   class). To anyone else the class, its playlists and items do not exist: 404, as for an unknown id.
 * - board: a board token in the path; the handler resolves it
 */
export type Access = 'anyone' | 'session' | 'staff' | 'member' | 'admin' | 'board';

/** Where a `member` route finds the class, playlist or item it acts on. */
export interface ClassScope {
  kind: ClassScopeKind;
  in: 'params' | 'body' | 'query';
  field: string;
}

/** The usual scopes: `:id` in the path, or a field of the JSON body. */
export const scopeOf = (kind: ClassScopeKind, field = 'id', where: ClassScope['in'] = 'params'): ClassScope => ({ kind, in: where, field });

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    scope?: ClassScope;
  }
  interface FastifyRequest {
    staff: SessionUser | null;
    /** The class a `member` route acts on, once membership has been checked. */
    classId: string | null;
  }
}

const NOT_FOUND: Record<ClassScopeKind, () => VettedError> = {
  class: () => new VettedError('class_not_found', 'That class does not exist (or it is not one of yours).', { httpStatus: 404 }),
  playlist: () => new VettedError('playlist_not_found', 'That playlist does not exist (it may have been deleted).', { httpStatus: 404 }),
  item: () => new VettedError('item_not_found', 'That item does not exist (it may have been deleted).', { httpStatus: 404 }),
};
export const notFoundIn = (kind: ClassScopeKind) => NOT_FOUND[kind]();

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
    opts: { users: UsersRepository; members: ClassMembersRepository; idleMinutes: number },
  ) {
    app.decorateRequest('staff', null);
    app.decorateRequest('classId', null);

    // The checks run only on the routes that need them (added to each route as it is declared), so a board's
    // request, the most frequent of all (media Range requests, board polls), runs no staff hook at all.
    app.addHook('onRoute', (route) => {
      const access = route.config?.access;
      if (!access) throw new Error(`route ${route.method} ${route.url} declares no access rule`);
      if (access === 'member' && !route.config?.scope) throw new Error(`member route ${route.method} ${route.url} names no class scope`);
      if (access === 'anyone' || access === 'board') return;
      addRouteHook(route, 'onRequest', checkStaff);
      if (access !== 'member') return;
      addRouteHook(route, 'preValidation', checkMembership);
      addRouteHook(route, 'preHandler', requireMembership);
    });

    async function checkStaff(request: FastifyRequest, reply: FastifyReply) {
      const access = request.routeOptions.config?.access;
      const staff = await resolveStaff(request, opts.users, opts.idleMinutes);
      if (!staff) {
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        throw notSignedIn();
      }
      request.staff = staff;
      if (access === 'session') return;
      // The reminder version current when this session began: a new reminder applies at the next sign-in.
      if (staff.acknowledgedVersion === null || staff.acknowledgedVersion < staff.requiredVersion) {
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
    }

    // Membership, before validation so that a stranger learns nothing from how a request is refused: the
    // class, playlist or item of someone else's class answers 404 whatever the body. A malformed id is left
    // to validation (400) and never queried.
    async function checkMembership(request: FastifyRequest) {
      const scope = request.routeOptions.config?.scope;
      if (!scope) return;
      const source = request[scope.in] as Record<string, unknown> | null | undefined;
      const id = source && typeof source === 'object' ? source[scope.field] : undefined;
      if (typeof id !== 'string' || !UUID_RE.test(id)) return;
      const staff = staffOf(request);
      const reach = await opts.members.reach(scope.kind, id, staff.user.id);
      if (!reach || (!reach.member && staff.user.role !== 'admin')) throw notFoundIn(scope.kind);
      request.classId = reach.classId;
    }

    // A member route never runs without the check above having passed.
    async function requireMembership(request: FastifyRequest) {
      if (!request.classId) throw notFoundIn(request.routeOptions.config?.scope?.kind ?? 'class');
    }
  },
  { name: 'access' },
);

type RouteHook = 'onRequest' | 'preValidation' | 'preHandler';

/**
 * Puts a hook first in one route's own list: after the application's hooks of the same kind (cookies are parsed by
 * then), before any the route declares itself.
 */
export function addRouteHook(route: RouteOptions, hook: RouteHook, fn: (request: FastifyRequest, reply: FastifyReply) => Promise<void>): void {
  const current = route[hook];
  route[hook] = [fn, ...(Array.isArray(current) ? current : current ? [current] : [])] as RouteOptions[RouteHook];
}

/** Whether a route takes a method that can change something (anything but GET, HEAD and OPTIONS). */
export function changesState(route: RouteOptions): boolean {
  return (Array.isArray(route.method) ? route.method : [route.method]).some((m) => !SAFE_METHODS.has(m.toUpperCase()));
}
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The signed-in staff member of a request on a staff route (the hook has already checked). */
export function staffOf(request: FastifyRequest): SessionUser {
  if (!request.staff) throw notSignedIn();
  return request.staff;
}

/** The signed-in staff member as the services see an actor: who, with which role, from where. */
export function actorOf(request: FastifyRequest): { id: string; role: 'teacher' | 'admin'; ip: string } {
  const staff = staffOf(request);
  return { id: staff.user.id, role: staff.user.role, ip: request.ip };
}

/** The class a board link belongs to: the access check of a `board` route's handler (an unknown link answers 404). */
export async function classOfBoard(ctx: { repos: { classes: Pick<ReturnType<typeof classesRepository>, 'byBoardToken'> } }, token: string): Promise<ClassRow> {
  const cls = await ctx.repos.classes.byBoardToken(token);
  if (!cls) throw unknownBoard();
  return cls;
}
