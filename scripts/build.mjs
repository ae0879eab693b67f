// `npm run build`: compiles the service (src/, migrations/) to JavaScript in dist/ and
// builds the web app. `npm start` runs the compiled code (tsx compiles at run time and costs about
// 80 MB per process); with `--if-stale` it rebuilds only when a source is newer than the last build,
// and where only production dependencies are installed (no TypeScript) a dist/ already present is
// used as it is.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.built');
const ifStale = process.argv.includes('--if-stale');

function newest(p) {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = 0;
  for (const name of readdirSync(p)) t = Math.max(t, newest(path.join(p, name)));
  return t;
}

function run(args) {
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run([path.join(root, 'web', 'ensure-built.mjs'), ...(ifStale ? [] : ['--force'])]);

const sources = ['src', 'migrations', 'tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => path.join(root, f));
const fresh = existsSync(stamp) && statSync(stamp).mtimeMs >= Math.max(...sources.map(newest));
if (ifStale && fresh) process.exit(0);

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  if (existsSync(stamp)) {
    console.warn('build: TypeScript is not installed; running the service as already compiled in dist/.');
    process.exit(0);
  }
  console.error('build: the service is not compiled and TypeScript is not installed. Run "npm ci" (with dev dependencies), then "npm run build".');
  process.exit(1);
}
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
