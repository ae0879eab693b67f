/**
 * Which yt-dlp program runs. The IT person may manage it themselves (YTDLP_PATH: then Vetted never replaces it);
 * otherwise Vetted keeps its own copy under DATA_DIR/bin, kept current by the updater (updater.ts), with the
 * previous copy beside it for rollback. Before the first update, the system's yt-dlp (the image's, or Debian's).
 */
import path from 'node:path';
import { findOnPath, isExecutableFile } from '../platform/programs.js';

export interface YtdlpPaths {
  dir: string;
  current: string;
  previous: string;
}

export function managedPaths(dataDir: string): YtdlpPaths {
  const dir = path.join(dataDir, 'bin');
  return { dir, current: path.join(dir, 'yt-dlp'), previous: path.join(dir, 'yt-dlp.previous') };
}

export type YtdlpSource = 'configured' | 'managed' | 'system' | 'missing';

export function currentYtdlp(o: { ytdlpPath: string | undefined; dataDir: string }): { path: string | undefined; source: YtdlpSource } {
  if (o.ytdlpPath) return { path: findYtdlp(o.ytdlpPath), source: 'configured' };
  const managed = managedPaths(o.dataDir).current;
  if (isExecutableFile(managed)) return { path: managed, source: 'managed' };
  const system = findYtdlp('yt-dlp');
  return system ? { path: system, source: 'system' } : { path: undefined, source: 'missing' };
}

/** The yt-dlp to run: an explicit path if it is executable, else `yt-dlp` found on the PATH; undefined if neither. */
export function findYtdlp(configured: string | undefined): string | undefined {
  if (configured) {
    if (configured.includes(path.sep)) return isExecutableFile(configured) ? configured : undefined;
    return findOnPath(configured);
  }
  return findOnPath('yt-dlp');
}
