// What `scripts/build.mjs` (the service) and `web/ensure-built.mjs` (the web app) share: whether a build is older
// than its sources, and the build tool — or, where only production dependencies are installed, the build already
// there.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The newest modification time under a path: a file's own, or the newest of a folder's files, walked whole. */
export function newest(p) {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = 0;
  for (const name of readdirSync(p)) t = Math.max(t, newest(`${p}/${name}`));
  return t;
}

/** True when `built` (a file the build writes last) exists and is no older than any of the sources that exist. */
export function isFresh(built, sources) {
  const present = sources.filter((f) => existsSync(f));
  return existsSync(built) && statSync(built).mtimeMs >= Math.max(...present.map(newest));
}

/**
 * The script of a build tool, found by `locate(require.resolve)`. When the tool is not installed: the build already
 * there is used as it is (`shipped` is said and the process ends well), or, with none, `missing` is said and the
 * process ends with 1.
 */
export function buildTool(locate, built, { shipped, missing }) {
  try {
    return locate(require.resolve);
  } catch {
    if (existsSync(built)) {
      console.warn(shipped);
      process.exit(0);
    }
    console.error(missing);
    process.exit(1);
  }
}
