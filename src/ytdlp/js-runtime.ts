/**
 * The JavaScript runtime yt-dlp needs for YouTube's challenges (since yt-dlp 2025.11). Without one it falls back to a
 * single client that cannot fetch "made for kids" videos. Deno comes from the `deno` npm package (its binary ships
 * inside a registry package, so it installs offline like any dependency); Node, the one running Vetted, is the
 * fallback. We always name the runtime and its path: with `--ignore-config` yt-dlp would otherwise look on the PATH,
 * where a Docker image has none.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { findOnPath, isExecutableFile } from '../platform/programs.js';

export interface JsRuntime {
  name: 'deno' | 'node';
  path: string;
}

/** The `@deno/*` package that carries the binary for this machine (the names the `deno` package uses). */
function denoPlatformPackage(): string | undefined {
  const arch = os.arch() === 'x64' ? 'x64' : os.arch() === 'arm64' ? 'arm64' : undefined;
  if (!arch) return undefined;
  if (os.platform() === 'linux') return `@deno/linux-${arch}-glibc`;
  if (os.platform() === 'darwin') return `@deno/darwin-${arch}`;
  return undefined;
}

/** Deno from the npm package (its install step copies the binary next to it; without that step, from the platform package). */
export function findDeno(): string | undefined {
  const require = createRequire(import.meta.url);
  const candidates: string[] = [];
  try {
    candidates.push(path.join(path.dirname(require.resolve('deno/package.json')), 'deno'));
  } catch {
    // not installed: try the platform package and the PATH
  }
  const platform = denoPlatformPackage();
  if (platform) {
    try {
      candidates.push(path.join(path.dirname(require.resolve(`${platform}/package.json`)), 'deno'));
    } catch {
      // an unsupported platform (musl, another OS) has no package
    }
  }
  for (const c of candidates) if (isExecutableFile(c)) return c;
  return findOnPath('deno');
}

/** Deno when it is there, else the Node running us (yt-dlp accepts Node 20+). */
export function findJsRuntime(opts: { deno?: string | undefined; node?: string } = {}): JsRuntime {
  const deno = 'deno' in opts ? opts.deno : findDeno();
  if (deno) return { name: 'deno', path: deno };
  return { name: 'node', path: opts.node ?? process.execPath };
}
