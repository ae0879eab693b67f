import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isSafeName, safe } from './store.js';

/**
 * Scratch folders on this host's disk (`DATA_DIR/work/<item>/<stage>`), used by both stores: ffmpeg
 * and the fetchers only ever read and write local files.
 */
export function scratchArea(dataDir: string) {
  const root = path.join(dataDir, 'work');
  const itemDir = (itemId: string) => path.join(root, safe(itemId));
  return {
    root,
    itemDir,
    dir: (itemId: string, name: string) => path.join(itemDir(itemId), safe(name)),
    async fresh(itemId: string, name: string): Promise<string> {
      const dir = path.join(itemDir(itemId), safe(name));
      await fs.rm(dir, { recursive: true, force: true });
      await fs.mkdir(dir, { recursive: true });
      return dir;
    },
    async remove(itemId: string, name?: string): Promise<void> {
      await fs.rm(name ? path.join(itemDir(itemId), safe(name)) : itemDir(itemId), { recursive: true, force: true });
    },
    async itemIds(): Promise<string[]> {
      return (await fs.readdir(root).catch(() => [] as string[])).filter(isSafeName);
    },
  };
}

/** The plain files of a folder (stage outputs are flat: no sub-folders are published). */
export async function filesIn(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}
