/**
 * The yt-dlp command line, built in one pure place so every safety property is asserted by a unit test:
 * - `--ignore-config`: no config file can add --exec, a proxy of its own or another output path;
 * - `--no-plugin-dirs` and `--no-remote-components` (where this yt-dlp knows them): no code from a plugin folder or
 *   downloaded from GitHub runs, unless an admin turned the PO-token provider on (its plugin lives in a plugin folder);
 * - `--js-runtimes deno:<path>` (or node): the runtime YouTube's challenges need, found by us, never guessed from PATH;
 * - `--proxy`: Vetted's own CONNECT proxy on loopback, which applies the guarded fetcher's rules;
 * - `--ies youtube`, `--no-playlist`, the canonical watch URL after `--`.
 * yt-dlp versions differ (Debian ships one from 2023): options a version does not know are left out rather than
 * breaking every run, and the admin console says what is missing.
 */
import { VettedError } from '../../domain/errors.js';
import { NO_CAPABILITIES, type YtdlpCapabilities } from '../../ytdlp/capabilities.js';
import type { JsRuntime } from '../../ytdlp/js-runtime.js';
import { YOUTUBE_ID } from './video-site.js';

/** Up to 1080p (a format of unknown height is allowed): best picture (possibly with sound) plus best sound, else the best single file. */
export const YTDLP_FORMAT = 'bv*[height<=?1080]+ba/b[height<=?1080]';
export const OUTPUT_BASENAME = 'ytdlp-source';

/** Everything a run needs besides the video: what the program can do and how the installation is set up. */
export interface YtdlpRunSettings {
  caps: YtdlpCapabilities;
  runtime?: JsRuntime;
  /** Our loopback proxy, with the run's ticket. */
  proxy?: string;
  /** YOUTUBE_COOKIES_FILE: a dedicated throwaway account's cookies. */
  cookiesFile?: string;
  /** YOUTUBE_POT_PROVIDER_URL, when the provider is turned on: its plugin may load, and is told where the provider is. */
  potProviderUrl?: string;
  /** Tests only: the extractor and address to use instead of YouTube's (the generic extractor on a loopback site). */
  testTarget?: { extractors: string; url: (id: string) => string };
}

export const DEFAULT_SETTINGS: YtdlpRunSettings = { caps: NO_CAPABILITIES };

export function canonicalWatchUrl(id: string): string {
  if (!YOUTUBE_ID.test(id)) {
    throw new VettedError('youtube_bad_id', 'This YouTube link looks damaged: the video code in it is not valid.');
  }
  return `https://www.youtube.com/watch?v=${id}`;
}

/** Options every run gets. */
export function commonArgs(s: YtdlpRunSettings = DEFAULT_SETTINGS): string[] {
  const args = ['--ignore-config', '--no-config'];
  if (s.caps.pluginDirs && !s.potProviderUrl) args.push('--no-plugin-dirs');
  // The challenge solver is bundled in the standalone release; nothing is ever fetched from GitHub to run.
  if (s.caps.remoteComponents) args.push('--no-remote-components');
  if (s.caps.jsRuntimes && s.runtime) args.push('--no-js-runtimes', '--js-runtimes', `${s.runtime.name}:${s.runtime.path}`);
  if (s.potProviderUrl) args.push('--extractor-args', `youtubepot-bgutilhttp:base_url=${s.potProviderUrl}`);
  if (s.proxy) args.push('--proxy', s.proxy);
  if (s.cookiesFile) args.push('--cookies', s.cookiesFile);
  args.push('--ies', s.testTarget?.extractors ?? 'youtube', '--no-playlist');
  return args;
}

function targetUrl(id: string, s: YtdlpRunSettings): string {
  const canonical = canonicalWatchUrl(id);
  return s.testTarget ? s.testTarget.url(id) : canonical;
}

export function detailsArgs(id: string, s: YtdlpRunSettings = DEFAULT_SETTINGS): string[] {
  // `--` ends option parsing: nothing after it can be read as an option, whatever it contains.
  return [...commonArgs(s), '-J', '--', targetUrl(id, s)];
}

export function downloadArgs(
  id: string,
  o: { workDir: string; ffmpegLocation?: string; maxBytes: number; socketTimeoutSeconds?: number },
  s: YtdlpRunSettings = DEFAULT_SETTINGS,
): string[] {
  const args = [
    ...commonArgs(s),
    '-f', YTDLP_FORMAT,
    '--merge-output-format', 'mp4',
    // --paths is a plain directory (not a template), so a '%' in the work folder's name cannot be misread.
    '--paths', o.workDir,
    '-o', `${OUTPUT_BASENAME}.%(ext)s`,
    '--write-subs', '--write-auto-subs',
    '--sub-langs', 'en.*',
    '--sub-format', 'vtt',
    '--max-filesize', String(Math.floor(o.maxBytes)),
    '--newline',
    '--no-mtime',
  ];
  if (o.socketTimeoutSeconds) args.push('--socket-timeout', String(Math.max(1, Math.ceil(o.socketTimeoutSeconds))));
  if (o.ffmpegLocation) args.push('--ffmpeg-location', o.ffmpegLocation);
  args.push('--', targetUrl(id, s));
  return args;
}
