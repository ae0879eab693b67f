// `npm run build`: compiles the service (src/, migrations/) to JavaScript in dist/ and
// builds the web app. `npm start` runs the compiled code (tsx compiles at run time and costs about
// 80 MB per process); with `--if-stale` it rebuilds only when a source is newer than the last build,
// and where only production dependencies are installed (no TypeScript) a dist/ already present is
// used as it is.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTool, isFresh } from './build-freshness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.built');
const ifStale = process.argv.includes('--if-stale');

function run(args) {
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run([path.join(root, 'web', 'ensure-built.mjs'), ...(ifStale ? [] : ['--force'])]);

const sources = ['src', 'migrations', 'tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => path.join(root, f));
if (ifStale && isFresh(stamp, sources)) process.exit(0);

const tsc = buildTool((resolve) => resolve('typescript/bin/tsc'), stamp, {
  shipped: 'build: TypeScript is not installed; running the service as already compiled in dist/.',
  missing: 'build: the service is not compiled and TypeScript is not installed. Run "npm ci" (with dev dependencies), then "npm run build".',
});
console.log('build: compiling the service to dist/');
run([tsc, '-p', path.join(root, 'tsconfig.build.json')]);

// Files the code reads beside itself (the common-password list) go with it.
function copyAssets(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyAssets(src, dst);
    else if (!/\.(ts|tsx)$/.test(entry.name)) {
      mkdirSync(to, { recursive: true });
      copyFileSync(src, dst);
    }
  }
}
copyAssets(path.join(root, 'src'), path.join(dist, 'src'));
writeFileSync(stamp, `${new Date().toISOString()}\n`);
