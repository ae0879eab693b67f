import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The API process's composition root never loads the media adapter or the sources (issue 8): those belong to the
 * worker. This walks the static and dynamic imports from the API's entry with a regex over the source files (type-only
 * imports are erased at build time, so they do not count) and lists every path that reaches src/media/ or src/sources/.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const IMPORT = /(?:^|[\s;])(import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    if (m[2]) continue; // `import type …` leaves nothing at run time
    const spec = m[3] ?? m[4];
    if (!spec || !spec.startsWith('.')) continue;
    const resolved = path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'));
    if (existsSync(resolved)) out.push(resolved);
    else if (existsSync(resolved.replace(/\.ts$/, '.tsx'))) out.push(resolved.replace(/\.ts$/, '.tsx'));
  }
  return out;
}

/** Every file reachable from `entry`, with the chain of imports that first reached it. */
function reachable(entry: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[path.relative(root, entry), [path.relative(root, entry)]]]);
  const queue = [entry];
  while (queue.length) {
    const file = queue.shift()!;
    const chain = chains.get(path.relative(root, file))!;
    for (const next of importsOf(file)) {
      const rel = path.relative(root, next);
      if (chains.has(rel)) continue;
      chains.set(rel, [...chain, rel]);
      queue.push(next);
    }
  }
  return chains;
}

const under = (files: Map<string, string[]>, folder: string) =>
  [...files].filter(([rel]) => rel.startsWith(folder)).map(([, chain]) => chain.join(' → '));

/**
 * What the API still takes from src/sources/ (issue 8 is not finished there): the admin page's management of the
 * yt-dlp program (find, update, roll back, read its capabilities). None of them fetches a video. A new entry is a new seam: move
 * the code out of the sources rather than growing this list.
 */
const KNOWN_API_SOURCES = [
  'src/sources/youtube/js-runtime.ts',
  'src/sources/youtube/managed-binary.ts',
  'src/sources/youtube/updater.ts',
  'src/sources/youtube/video-site.ts',
  'src/sources/youtube/ytdlp-args.ts',
  'src/sources/youtube/ytdlp-setup.ts',
];

describe('the API process loads neither the media adapter nor the video sites', () => {
  it('sees the imports it walks (the worker does reach them, so the check can fail)', () => {
    const worker = reachable(path.join(root, 'src/worker/main.ts'));
    expect(under(worker, 'src/media/').length).toBeGreaterThan(0);
    expect(worker.has('src/sources/youtube/ytdlp-backend.ts')).toBe(true);
  });

  for (const entry of ['src/server.ts', 'src/app.ts']) {
    it(`from ${entry}: nothing under src/media/`, () => {
      expect(under(reachable(path.join(root, entry)), 'src/media/')).toEqual([]);
    });

    it(`from ${entry}: only the known yt-dlp-management modules of src/sources/`, () => {
      const files = reachable(path.join(root, entry));
      const extra = [...files].filter(([rel]) => rel.startsWith('src/sources/') && !KNOWN_API_SOURCES.includes(rel));
      expect(extra.map(([, chain]) => chain.join(' → '))).toEqual([]);
    });
  }
});
