import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The API process's composition root never loads the media adapter, the sources or the worker (issue 8): those belong
 * to the worker. This walks the static and dynamic imports from the API's entry with a regex over the source files
 * (type-only imports are erased at build time, so they do not count) and lists every path that reaches src/media/,
 * src/sources/ or src/worker/. (The yt-dlp program's management, which the admin page uses, lives in src/ytdlp/.)
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

const WORKER_ONLY = ['src/media/', 'src/sources/', 'src/worker/'];

describe('the API process loads neither the media adapter, the sources nor the worker', () => {
  it('sees the imports it walks (the worker does reach them, so the check can fail)', () => {
    const worker = reachable(path.join(root, 'src/worker/main.ts'));
    for (const folder of WORKER_ONLY) expect(under(worker, folder).length, folder).toBeGreaterThan(0);
    expect(worker.has('src/sources/youtube/ytdlp-backend.ts')).toBe(true);
  });

  for (const entry of ['src/server.ts', 'src/app.ts']) {
    for (const folder of WORKER_ONLY) {
      it(`from ${entry}: nothing under ${folder}`, () => {
        expect(under(reachable(path.join(root, entry)), folder)).toEqual([]);
      });
    }
  }
});
