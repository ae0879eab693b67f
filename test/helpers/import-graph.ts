import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The source files a process loads, found by walking the imports from its entry with a regex over the source files:
 * type-only imports are erased at build time, so they do not count. Static imports are loaded when the process starts;
 * `import()` only when the code that holds it runs.
 */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const IMPORT = /(?:^|[\s;])(import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

interface Imports {
  /** Files of this repository. */
  files: string[];
  /** Packages (`jsdom`, `@aws-sdk/client-s3`) and Node's own modules. */
  packages: string[];
}

function importsOf(file: string, dynamic: boolean): Imports {
  const text = readFileSync(file, 'utf8');
  const out: Imports = { files: [], packages: [] };
  for (const m of text.matchAll(IMPORT)) {
    if (m[2]) continue; // `import type …` leaves nothing at run time
    const spec = m[3] ?? (dynamic ? m[4] : undefined);
    if (!spec) continue;
    if (!spec.startsWith('.')) {
      out.packages.push(spec);
      continue;
    }
    const resolved = path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'));
    if (existsSync(resolved)) out.files.push(resolved);
    else if (existsSync(resolved.replace(/\.ts$/, '.tsx'))) out.files.push(resolved.replace(/\.ts$/, '.tsx'));
  }
  return out;
}

/**
 * Every file and package reachable from `entry` (relative to the repository), each with the chain of imports that
 * first reached it. `dynamic: false` follows only what is loaded at start.
 */
export function reachable(entry: string, opts: { dynamic: boolean } = { dynamic: true }): Map<string, string[]> {
  const first = path.relative(root, entry);
  const chains = new Map<string, string[]>([[first, [first]]]);
  const queue = [entry];
  while (queue.length) {
    const file = queue.shift()!;
    const chain = chains.get(path.relative(root, file))!;
    const { files, packages } = importsOf(file, opts.dynamic);
    for (const pkg of packages) if (!chains.has(pkg)) chains.set(pkg, [...chain, pkg]);
    for (const next of files) {
      const rel = path.relative(root, next);
      if (chains.has(rel)) continue;
      chains.set(rel, [...chain, rel]);
      queue.push(next);
    }
  }
  return chains;
}

/** The chains (`a → b → c`) of the reached names that start with `prefix`. */
export const under = (reached: Map<string, string[]>, prefix: string) =>
  [...reached].filter(([name]) => name.startsWith(prefix)).map(([, chain]) => chain.join(' → '));
