import type { Db } from './database.js';
import type { ClassRow, ItemRow, PlaylistRow } from './schema.js';

export interface BoardContents {
  class: Pick<ClassRow, 'id' | 'name'>;
  playlists: Array<Pick<PlaylistRow, 'id' | 'name' | 'kind'> & { items: ItemRow[] }>;
}

/**
 * What a classroom board is made of, read in one query: the class of a board link, every playlist of
 * the class (empty ones too) and their approved items in playlist order. Approved is a narrowing the
 * index can use; the visibility rule itself (expiry) is applied by the caller from `domain/visibility`.
 */
export function boardsRepository(db: Db) {
  return {
    async contentsByToken(token: string): Promise<BoardContents | undefined> {
      const rows = await db
        .selectFrom('classes as c')
        .leftJoin('playlists as p', 'p.class_id', 'c.id')
        .leftJoin('items as i', (j) => j.onRef('i.playlist_id', '=', 'p.id').on('i.status', '=', 'approved'))
        .select(['c.id as class_id', 'c.name as class_name', 'p.id as p_id', 'p.name as p_name', 'p.kind as p_kind'])
        .selectAll('i')
        .where('c.board_token', '=', token)
        .where('c.deleted_at', 'is', null)
        .orderBy('p.created_at')
        .orderBy('p.id')
        .orderBy('i.position')
        .orderBy('i.created_at')
        .execute();
      const first = rows[0];
      if (!first) return undefined;
      const out: BoardContents = { class: { id: first.class_id, name: first.class_name }, playlists: [] };
      let current: BoardContents['playlists'][number] | undefined;
      for (const row of rows) {
        const { class_id: _c, class_name: _n, p_id, p_name, p_kind, ...item } = row;
        if (!p_id || !p_name || !p_kind) continue;
        if (current?.id !== p_id) {
          current = { id: p_id, name: p_name, kind: p_kind, items: [] };
          out.playlists.push(current);
        }
        if (item.id !== null) current.items.push(item as ItemRow);
      }
      return out;
    },
  };
}

export type BoardsRepository = ReturnType<typeof boardsRepository>;
