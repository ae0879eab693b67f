// Builds the web app when it is missing or older than its sources; `npm start` and `npm test` run
// this first. Where only production dependencies are installed (no Vite), a build shipped with the
// image is used as it is.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.dirname(fileURLToPath(import.meta.url));
const built = path.join(web, 'dist', 'index.html');
const force = process.argv.includes('--force');

function newest(p) {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = 0;
  for (const name of readdirSync(p)) t = Math.max(t, newest(path.join(p, name)));
  return t;
}

const sources = ['src', 'public', 'index.html', 'admin.html', 'board.html', 'pair.html', 'vite.config.ts']
  .map((f) => path.join(web, f))
  .filter((f) => existsSync(f));
const fresh = existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newest));
if (fresh && !force) process.exit(0);

let vite;
try {
  vite = path.join(path.dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
} catch {
  if (existsSync(built)) {
    console.warn('web: Vite is not installed; serving the web app as already built in web/dist.');
    process.exit(0);
  }
  console.error('web: the web app is not built and Vite is not installed. Run "npm ci" (with dev dependencies), then "npm run build:web".');
  process.exit(1);
}
const r = spawnSync(process.execPath, [vite, 'build', '--config', path.join(web, 'vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
