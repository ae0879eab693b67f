import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding package.json. Code runs from `src/` (tsx, tests) or from `dist/src/`
 * (compiled, `npm start`), so paths to files outside the code (the web app, workers) start here
 * rather than at a fixed number of `..` from the module.
 */
export function projectRoot(from: string = import.meta.url): string {
  let dir = path.dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above the running code');
    dir = up;
  }
}

/** True when this code was compiled to JavaScript (dist/), false when tsx runs the TypeScript. */
export const compiled = import.meta.url.endsWith('.js');

/** The version in package.json (shown in the API description). */
export const PACKAGE_VERSION: string = (JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
