// Builds the web app when it is missing or older than its sources; `npm start` and `npm test` run
// this first. Where only production dependencies are installed (no Vite), a build shipped with the
// image is used as it is.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTool, isFresh } from '../scripts/build-freshness.mjs';

const web = path.dirname(fileURLToPath(import.meta.url));
const built = path.join(web, 'dist', 'index.html');
const force = process.argv.includes('--force');

const sources = ['src', 'public', 'index.html', 'admin.html', 'board.html', 'pair.html', 'vite.config.ts'].map((f) => path.join(web, f));
if (isFresh(built, sources) && !force) process.exit(0);

const vite = buildTool((resolve) => path.join(path.dirname(resolve('vite/package.json')), 'bin', 'vite.js'), built, {
  shipped: 'web: Vite is not installed; serving the web app as already built in web/dist.',
  missing: 'web: the web app is not built and Vite is not installed. Run "npm ci" (with dev dependencies), then "npm run build:web".',
});
const r = spawnSync(process.execPath, [vite, 'build', '--config', path.join(web, 'vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
