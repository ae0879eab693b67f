import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import type { ItemStatus } from '../../src/domain/item-state.js';
import type { TestApp, TestEnv } from './harness.js';

/**
 * Items in any status, with real media files on disk, made without the pipeline: governance tests are about
 * what happens to items after they were vetted, not about fetching them.
 */
export async function makeItem(
  t: TestEnv,
  playlistId: string,
  opts: { status?: ItemStatus; url?: string; title?: string; media?: boolean; ageDays?: number; expiresAt?: Date | null } = {},
) {
  const { items } = t.ctx.repos;
  const url = opts.url ?? `https://videos.example.org/${Math.random().toString(36).slice(2)}.mp4`;
  const created = await items.create({
    playlistId,
    url,
    canonicalUrl: url,
    kind: 'video',
    title: opts.title ?? 'Counting with frogs',
    startSeconds: null,
    endSeconds: null,
    submittedBy: null,
  });
  let bytes = 0;
  if (opts.media ?? true) {
    const dir = await t.ctx.store.workDir(created.id, 'test');
    await writeFile(path.join(dir, 'video.mp4'), Buffer.alloc(1000, 1));
    await writeFile(path.join(dir, 'poster.jpg'), Buffer.alloc(200, 2));
    await writeFile(path.join(dir, 'thumbnail.jpg'), Buffer.alloc(50, 3));
    await t.ctx.store.publish(created.id, created.media_generation, dir);
    await t.ctx.store.removeWork(created.id);
    bytes = 1250;
  }
  // Straight to the wanted status: these tests start after the pipeline.
  await t.ctx.db
    .updateTable('items')
    .set({
      status: opts.status ?? 'approved',
      progress: 100,
      media: opts.media ?? true ? JSON.stringify({ video: 'video.mp4', poster: 'poster.jpg', thumbnail: 'thumbnail.jpg' }) : null,
      media_bytes: String(bytes),
      expires_at: opts.expiresAt ?? null,
    })
    .where('id', '=', created.id)
    .execute();
  if (opts.ageDays) await backdate(t, created.id, opts.ageDays);
  return (await items.get(created.id))!;
}

/** Makes an item look as if its last change was `days` ago (bypassing the row's own updated_at). */
export async function backdate(t: TestEnv, itemId: string, days: number): Promise<void> {
  await t.ctx.db
    .updateTable('items')
    .set({ updated_at: sql`now() - make_interval(days => ${days})` as never })
    .where('id', '=', itemId)
    .execute();
}

export async function auditActions(app: TestApp, cookie: string, query = ''): Promise<Array<{ action: string; actor: string; target: string | null; ip: string | null; at: string; detail: unknown; targetLabel: string | null }>> {
  const res = await app.inject({ method: 'GET', url: `/api/admin/audit${query ? `?${query}` : ''}`, headers: { cookie } });
  if (res.statusCode !== 200) throw new Error(`audit: ${res.statusCode} ${res.body}`);
  return res.json().entries;
}
