import { createRequire } from 'node:module';
import { findOnPath, isExecutableFile } from '../platform/programs.js';
import path from 'node:path';

export interface MediaBinaries {
  ffmpeg: string;
  ffprobe: string;
  source: 'env' | 'ffmpeg-static' | 'system';
}

const NOT_FOUND = "ffmpeg was not found: install Debian's ffmpeg package or set FFMPEG_PATH";
const PROBE_NOT_FOUND = "ffprobe was not found: install Debian's ffmpeg package or set FFPROBE_PATH";

// Moved to platform/ (the API's embedded servers use them too, without loading the media adapter); re-exported for old callers.
export { findOnPath, isExecutableFile } from '../platform/programs.js';

/** ffprobe usually ships next to ffmpeg; prefer that copy so both come from the same build. */
function siblingProbe(ffmpeg: string): string | undefined {
  const candidate = path.join(path.dirname(ffmpeg), 'ffprobe');
  return isExecutableFile(candidate) ? candidate : undefined;
}

/**
 * `ffmpeg-static` is an optional dependency: it may be absent, or installed without its binary (it downloads the
 * binary at install time, which fails offline). Both cases simply mean "not available".
 */
function fromStaticPackages(): { ffmpeg: string; ffprobe: string | undefined } | undefined {
  const require = createRequire(import.meta.url);
  let ffmpeg: string | undefined;
  try {
    const mod: unknown = require('ffmpeg-static');
    const p = typeof mod === 'string' ? mod : (mod as { default?: unknown } | null)?.default;
    if (typeof p === 'string' && isExecutableFile(p)) ffmpeg = p;
  } catch {
    return undefined;
  }
  if (!ffmpeg) return undefined;
  let ffprobe: string | undefined;
  try {
    const mod = require('ffprobe-static') as { path?: unknown } | null;
    if (typeof mod?.path === 'string' && isExecutableFile(mod.path)) ffprobe = mod.path;
  } catch {
    // ffprobe-static is optional too.
  }
  return { ffmpeg, ffprobe };
}

/**
 * Finds the ffmpeg and ffprobe executables: the configured paths first (FFMPEG_PATH/FFPROBE_PATH, read by
 * config.ts), then the optional `ffmpeg-static` (and `ffprobe-static`) packages, then the PATH. Throws a sentence an
 * operator can act on when nothing fits.
 */
export function resolveBinaries(wanted: { ffmpegPath?: string | undefined; ffprobePath?: string | undefined } = {}): MediaBinaries {

  if (wanted.ffprobePath && !isExecutableFile(wanted.ffprobePath)) {
    throw new Error(`FFPROBE_PATH points at "${wanted.ffprobePath}", which is not an executable file`);
  }
  // An explicit ffprobe wins wherever ffmpeg comes from.
  const probeFor = (ffmpeg: string, fallback?: string): string => {
    const found = wanted.ffprobePath || fallback || siblingProbe(ffmpeg) || findOnPath('ffprobe');
    if (!found) throw new Error(PROBE_NOT_FOUND);
    return found;
  };

  if (wanted.ffmpegPath) {
    if (!isExecutableFile(wanted.ffmpegPath)) {
      throw new Error(`FFMPEG_PATH points at "${wanted.ffmpegPath}", which is not an executable file`);
    }
    return { ffmpeg: wanted.ffmpegPath, ffprobe: probeFor(wanted.ffmpegPath), source: 'env' };
  }

  const bundled = fromStaticPackages();
  if (bundled) {
    return { ffmpeg: bundled.ffmpeg, ffprobe: probeFor(bundled.ffmpeg, bundled.ffprobe), source: 'ffmpeg-static' };
  }

  const ffmpeg = findOnPath('ffmpeg');
  if (!ffmpeg) throw new Error(NOT_FOUND);
  return { ffmpeg, ffprobe: probeFor(ffmpeg), source: 'system' };
}
