import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** Finding programs on this machine; shared by the media adapter, the embedded servers and the yt-dlp tools. */

/** Shared with the yt-dlp backend, which locates its program the same way. */
export function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Looks a program up the way a shell would. PATH is read here, not in config.ts: it is the operating system's search
 * path for programs rather than a setting of Vetted, and it is read at each lookup like a shell does.
 */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}
