/**
 * The yt-dlp command line as each installation gets it: the JavaScript runtime, Vetted's proxy, no config, no plugins
 * or remote code, cookies and the PO-token provider only when configured, and nothing a yt-dlp version does not know.
 * Also: the proxy's host rules and yt-dlp's warnings for the admin. Pure; no program runs.
 */
import { describe, expect, it } from 'vitest';
import { hostAllowed, parseAuthority, YOUTUBE_HOSTS } from '../../src/net/connect-proxy.js';
import { NO_CAPABILITIES, parseCapabilities } from '../../src/ytdlp/capabilities.js';
import { findJsRuntime } from '../../src/ytdlp/js-runtime.js';
import { proxyRefusedError, warningsFrom, ytdlpError } from '../../src/sources/youtube/messages.js';
import { commonArgs, detailsArgs, downloadArgs, type YtdlpRunSettings } from '../../src/sources/youtube/ytdlp-args.js';

// Excerpts of `--help` as the two kinds of yt-dlp print it.
const HELP_2023 = `
    --ignore-config                 Don't load any more configuration files
    --no-config-locations           Do not load any custom configuration files
    --proxy URL                     Use the specified HTTP/HTTPS/SOCKS proxy.
    --use-extractors NAMES          Extractor names to use separated by commas.`;
const HELP_2026 = `${HELP_2023}
    --plugin-dirs PATH              Path to an additional directory to search for plugins.
    --no-plugin-dirs                Clear plugin directories to search, including defaults
    --js-runtimes RUNTIME[:PATH]    Additional JavaScript runtime to enable, with an optional location for the runtime
    --no-js-runtimes                Clear JavaScript runtimes to enable, including defaults
    --remote-components COMPONENT   Remote components to allow yt-dlp to fetch when required.
    --no-remote-components          Disallow fetching of all remote components, including any previously allowed`;

const current = parseCapabilities('2026.11.20\n', HELP_2026);
const debian = parseCapabilities('2023.03.04\n', HELP_2023);
const deno = { name: 'deno' as const, path: '/app/node_modules/deno/deno' };
const value = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('what a yt-dlp can do', () => {
  it('reads the version and the options it knows', () => {
    expect(current).toEqual({ version: '2026.11.20', jsRuntimes: true, remoteComponents: true, pluginDirs: true });
    expect(debian).toEqual({ version: '2023.03.04', jsRuntimes: false, remoteComponents: false, pluginDirs: false });
  });
});

describe('the command line', () => {
  const settings: YtdlpRunSettings = { caps: current, runtime: deno, proxy: 'http://run-abc:x@127.0.0.1:40000' };

  it('always names the JavaScript runtime and its path, after clearing the defaults', () => {
    const args = commonArgs(settings);
    expect(args.slice(args.indexOf('--no-js-runtimes'), args.indexOf('--no-js-runtimes') + 3)).toEqual([
      '--no-js-runtimes',
      '--js-runtimes',
      'deno:/app/node_modules/deno/deno',
    ]);
    const node = commonArgs({ ...settings, runtime: { name: 'node', path: '/usr/bin/node' } });
    expect(value(node, '--js-runtimes')).toBe('node:/usr/bin/node');
  });

  it('goes through our proxy, loads no config, no plugins and no remote code', () => {
    for (const args of [detailsArgs('VettedOk001', settings), downloadArgs('VettedOk001', { workDir: '/w', maxBytes: 10 }, settings)]) {
      expect(value(args, '--proxy')).toBe('http://run-abc:x@127.0.0.1:40000');
      expect(args).toContain('--ignore-config');
      expect(args).toContain('--no-plugin-dirs');
      expect(args).toContain('--no-remote-components');
      expect(args).not.toContain('--remote-components');
      expect(args).not.toContain('--plugin-dirs');
      expect(args).not.toContain('--cookies');
      expect(value(args, '--ies')).toBe('youtube');
      expect(args.slice(-2)).toEqual(['--', 'https://www.youtube.com/watch?v=VettedOk001']);
      // Every option comes before `--`: nothing can be slipped in after the URL.
      expect(args.indexOf('--proxy')).toBeLessThan(args.indexOf('--'));
    }
  });

  it("leaves out what Debian's old yt-dlp does not know, and still uses the proxy", () => {
    const args = detailsArgs('VettedOk001', { ...settings, caps: debian });
    expect(args).not.toContain('--js-runtimes');
    expect(args).not.toContain('--no-plugin-dirs');
    expect(args).not.toContain('--no-remote-components');
    expect(value(args, '--proxy')).toBe('http://run-abc:x@127.0.0.1:40000');
    expect(detailsArgs('VettedOk001', { caps: NO_CAPABILITIES })).not.toContain('--js-runtimes');
  });

  it('passes the cookies file and the PO-token provider only when configured; the provider may load its plugin', () => {
    const args = commonArgs({ ...settings, cookiesFile: '/etc/vetted/throwaway.txt', potProviderUrl: 'http://pot.school.internal:4416' });
    expect(value(args, '--cookies')).toBe('/etc/vetted/throwaway.txt');
    expect(value(args, '--extractor-args')).toBe('youtubepot-bgutilhttp:base_url=http://pot.school.internal:4416');
    expect(args).not.toContain('--no-plugin-dirs');
    expect(args).toContain('--no-remote-components');
  });
});

describe('the JavaScript runtime', () => {
  it('is Deno when found, else the Node running Vetted', () => {
    expect(findJsRuntime({ deno: '/opt/deno' })).toEqual({ name: 'deno', path: '/opt/deno' });
    expect(findJsRuntime({ deno: undefined, node: '/usr/bin/node' })).toEqual({ name: 'node', path: '/usr/bin/node' });
  });
});

describe("the proxy's hosts", () => {
  it("admits YouTube's hosts only", () => {
    for (const ok of ['youtube.com', 'www.youtube.com', 'WWW.YouTube.com.', 'rr3---sn-abc.googlevideo.com', 'i.ytimg.com']) {
      expect(hostAllowed(ok, YOUTUBE_HOSTS)).toBe(true);
    }
    for (const bad of ['googlevideo.com.evil.example', 'evilyoutube.com', 'youtube.com.evil.example', 'ytimg.com.example', 'example.com', '10.0.0.1']) {
      expect(hostAllowed(bad, YOUTUBE_HOSTS)).toBe(false);
    }
  });

  it('reads CONNECT targets strictly', () => {
    expect(parseAuthority('www.youtube.com:443')).toEqual({ host: 'www.youtube.com', port: 443 });
    expect(parseAuthority('[::1]:443')).toEqual({ host: '::1', port: 443 });
    for (const bad of ['www.youtube.com', 'a@b:443', 'x:99999', 'http://x:443', ' x:443']) expect(parseAuthority(bad)).toBeUndefined();
  });
});

describe("yt-dlp's words for the admin and for the teacher", () => {
  it('turns warnings an admin can act on into the console, once each', () => {
    const stderr = [
      '[youtube] Extracting URL: https://www.youtube.com/watch?v=VettedOk001',
      'WARNING: [youtube] No supported JavaScript runtime could be found. Only deno is enabled by default; to use another runtime add  --js-runtimes RUNTIME[:PATH]  to your command/config.',
      'WARNING: [youtube] VettedOk001: There are missing subtitles languages because a PO token was not provided.',
      'WARNING: [youtube] VettedOk001: There are missing subtitles languages because a PO token was not provided.',
      'WARNING: You are using an outdated version of yt-dlp (older than 90 days). Update it.',
      'WARNING: [youtube] VettedOk001: Some formats may be missing',
    ].join('\n');
    expect(warningsFrom(stderr).map((w) => w.code)).toEqual(['no_js_runtime', 'po_token', 'outdated']);
    expect(warningsFrom('[download] 100%\n')).toEqual([]);
  });

  it("says what the proxy refused instead of yt-dlp's 403", () => {
    const err = ytdlpError({
      stderr: 'ERROR: [generic] None: Unable to download webpage: HTTP Error 403: Forbidden',
      refusals: [{ kind: 'address', target: 'rebind.example:443', reason: 'rebind.example resolves to 10.0.0.5' }],
    });
    expect(err.code).toBe('fetch_blocked_address');
    expect(proxyRefusedError({ kind: 'unreachable', target: 'www.youtube.com:443', reason: 'ENOTFOUND' }).code).toBe('youtube_offline');
  });
});
