/**
 * What the installed yt-dlp understands, read once per program file from `--version` and `--help` (read again when
 * the updater swaps the file). yt-dlp versions differ (Debian ships one from 2023): the command line leaves out what a
 * version does not know, and the admin console says what is missing.
 */
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';

export interface YtdlpCapabilities {
  version: string;
  jsRuntimes: boolean;
  remoteComponents: boolean;
  pluginDirs: boolean;
}

/** An unknown program: pass nothing it might not know. */
export const NO_CAPABILITIES: YtdlpCapabilities = { version: 'unknown', jsRuntimes: false, remoteComponents: false, pluginDirs: false };

export function parseCapabilities(version: string, help: string): YtdlpCapabilities {
  return {
    version: version.trim().split(/\s+/)[0] || 'unknown',
    jsRuntimes: /--js-runtimes\b/.test(help),
    remoteComponents: /--no-remote-components\b/.test(help),
    pluginDirs: /--no-plugin-dirs\b/.test(help),
  };
}

const PROBE_TIMEOUT_MS = 30_000;

function output(binary: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: PROBE_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024, windowsHide: true }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout);
    });
  });
}

const probed = new Map<string, { key: string; caps: Promise<YtdlpCapabilities> }>();

/** The program's version and the options it knows; an unrunnable program has none (its run then says why). */
export function capabilitiesOf(binary: string): Promise<YtdlpCapabilities> {
  let key = 'missing';
  try {
    const st = statSync(binary);
    key = `${st.mtimeMs}:${st.size}`;
  } catch {
    // a bare name on the PATH, or missing: probe once and keep it
  }
  const cached = probed.get(binary);
  if (cached?.key === key) return cached.caps;
  const caps = (async () => {
    try {
      const [version, help] = await Promise.all([output(binary, ['--ignore-config', '--version']), output(binary, ['--ignore-config', '--help'])]);
      return parseCapabilities(version, help);
    } catch {
      return NO_CAPABILITIES;
    }
  })();
  probed.set(binary, { key, caps });
  return caps;
}
