import { randomBytes } from 'node:crypto';
import type { AppContext } from '../api-context.js';
import type { ClassRow } from '../db/schema.js';
import { VettedError } from '../domain/errors.js';
import { staffEntry, type Actor } from './actor.js';

/** 256 bits: the token is the board's only credential, typed rarely (QR codes and pairing instead). */
export function newBoardToken(): string {
  return randomBytes(32).toString('base64url');
}

export function boardUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/board/${encodeURIComponent(token)}`;
}

const classGone = () => new VettedError('class_not_found', 'That class does not exist (or it is not one of yours).', { httpStatus: 404 });

/**
 * The class use cases: a class belongs to its member teachers (an admin may act on every class), its board
 * link can be rotated when it leaks, and the class can be deleted, which kills the link at once. Membership of
 * the class a route acts on is checked before the route runs (`access: 'member'`); these functions trust that.
 */
export function classService(ctx: AppContext) {
  const { classes, classMembers, playlists, users, audit } = ctx.repos;

  function present(c: ClassRow) {
    return { id: c.id, name: c.name, board: { token: c.board_token, url: boardUrl(ctx.config.publicUrl, c.board_token) } };
  }

  async function load(classId: string): Promise<ClassRow> {
    const row = await classes.get(classId);
    if (!row) throw classGone();
    return row;
  }

  return {
    async create(actor: Actor, name: string) {
      const row = await classes.create(name, newBoardToken(), actor.id);
      await audit.record(staffEntry(actor, 'class.create', `class:${row.id}`));
      return present(row);
    },

    /** A teacher's own classes, an admin's all, each with its playlists. */
    async list(actor: Actor) {
      const rows = await classes.listFor(actor);
      const lists = await playlists.listByClasses(rows.map((c) => c.id));
      // What waits for the class's teachers, and whether any board has shown the class yet (issue 15).
      const counts = await ctx.repos.attention.countsByClass(rows.map((c) => c.id));
      return rows.map((c) => ({
        ...present(c),
        counts: counts.get(c.id) ?? { awaitingReview: 0, reported: 0 },
        boardSeenAt: c.board_seen_at ? c.board_seen_at.toISOString() : null,
        playlists: lists.filter((p) => p.class_id === c.id).map((p) => ({ id: p.id, classId: p.class_id, name: p.name, kind: p.kind })),
      }));
    },

    async get(classId: string) {
      const row = await load(classId);
      const [lists, members] = await Promise.all([playlists.listByClasses([row.id]), classMembers.list(row.id)]);
      return {
        ...present(row),
        playlists: lists.map((p) => ({ id: p.id, classId: p.class_id, name: p.name, kind: p.kind })),
        members: members.map((m) => ({ id: m.id, email: m.email })),
      };
    },

    /** A colleague joins the class. Only an active staff account can; the caller learns nothing else. */
    async addMember(actor: Actor, classId: string, email: string) {
      await load(classId);
      const user = await users.byEmail(email);
      if (!user || user.disabled || user.erased_at) {
        throw new VettedError(
          'user_not_found',
          'No active staff account has that email. Check the spelling, or ask the e-safety lead to add the colleague first.',
          { httpStatus: 404 },
        );
      }
      const added = await classMembers.add(classId, user.id, actor.id);
      if (added) {
        await audit.record(staffEntry(actor, 'class.member_add', `class:${classId}`, { userId: user.id }));
      }
      return { added, member: { id: user.id, email: user.email }, members: (await classMembers.list(classId)).map((m) => ({ id: m.id, email: m.email })) };
    },

    async removeMember(actor: Actor, classId: string, userId: string): Promise<void> {
      const outcome = await classMembers.remove(classId, userId);
      if (outcome === 'not_member') {
        throw new VettedError('member_not_found', 'That person is not a member of this class.', { httpStatus: 404 });
      }
      if (outcome === 'last_member') {
        throw new VettedError('last_member', 'A class needs at least one teacher. Add a colleague first, or delete the class.', { httpStatus: 409 });
      }
      await audit.record(staffEntry(actor, 'class.member_remove', `class:${classId}`, { userId }));
    },

    /** A new board link; the old one is dead everywhere from this moment (boards paired with it pair again). */
    async rotateBoard(actor: Actor, classId: string) {
      const row = await classes.rotateBoardToken(classId, newBoardToken());
      if (!row) throw classGone();
      await audit.record(staffEntry(actor, 'board.rotate', `class:${classId}`));
      return { board: present(row).board };
    },

    /**
     * Deletes a class: the board link dies at once and every item becomes `removed`, so the purge deletes them
     * and their media; nothing of the class is shown to anyone meanwhile.
     */
    async remove(actor: Actor, classId: string): Promise<void> {
      const row = await load(classId);
      const done = await classes.markDeleted(classId, newBoardToken());
      if (!done) throw classGone();
      await audit.record(staffEntry(actor, 'class.delete', `class:${classId}`, { name: row.name, items: done.items.length, approvedItems: done.items.filter((i) => i.status === 'approved').length }));
    },
  };
}

export type ClassService = ReturnType<typeof classService>;
