/**
 * What every yt-dlp run needs besides the video: what this yt-dlp understands (read once per program file from
 * `--version` and `--help`, read again when the updater swaps the file), the JavaScript runtime, and a ticket for
 * Vetted's loopback proxy (started on first use, for the life of the worker).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startConnectProxy, type ConnectProxy, type ConnectProxyOptions } from '../../net/connect-proxy.js';
import { findJsRuntime, type JsRuntime } from './js-runtime.js';
import { NO_CAPABILITIES, parseCapabilities, type YtdlpCapabilities, type YtdlpRunSettings } from './ytdlp-args.js';
import type { PreparedRun } from './ytdlp-backend.js';

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

export interface YtdlpSetupOptions {
  /** Proxy rules: FETCH_ALLOW_PRIVATE, time limits, YOUTUBE_PROXY; `hosts`/`ports`/`resolve` only in tests. */
  proxy: Omit<ConnectProxyOptions, 'trusted'>;
  runtime?: JsRuntime;
  cookiesFile?: string;
  /** YOUTUBE_POT_PROVIDER_URL, used only while an admin has the provider turned on (its plugin then may load). */
  potProvider?: { url: string; enabled: () => Promise<boolean> };
  /** Tests only: another extractor and target (the generic extractor on a loopback site). */
  testTarget?: YtdlpRunSettings['testTarget'];
}

export interface YtdlpSetup {
  runtime: JsRuntime;
  prepare(binary: string): Promise<PreparedRun>;
  close(): Promise<void>;
}

export function ytdlpSetup(o: YtdlpSetupOptions): YtdlpSetup {
  const runtime = o.runtime ?? findJsRuntime();
  let proxy: Promise<ConnectProxy> | undefined;
  const provider = o.potProvider ? new URL(o.potProvider.url) : undefined;
  // The provider is where the operator said it is (often a container on a private address).
  const providerEndpoint = provider
    ? [{ host: provider.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port: Number(provider.port) || (provider.protocol === 'https:' ? 443 : 80) }]
    : [];
  const startProxy = () => {
    proxy ??= startConnectProxy(o.proxy).catch((e: unknown) => {
      proxy = undefined;
      throw e;
    });
    return proxy;
  };
  return {
    runtime,
    async prepare(binary: string): Promise<PreparedRun> {
      const [caps, running, pot] = await Promise.all([
        capabilitiesOf(binary),
        startProxy(),
        o.potProvider ? o.potProvider.enabled().catch(() => false) : Promise.resolve(false),
      ]);
      const ticket = running.ticket({ trusted: pot ? providerEndpoint : [] });
      const settings: YtdlpRunSettings = { caps, runtime, proxy: ticket.url };
      // yt-dlp writes the cookie jar back when it ends: each run gets its own copy, so the operator's file stays as
      // they made it (it may be read-only) and two runs at once cannot corrupt it.
      let cookies: string | undefined;
      if (o.cookiesFile) {
        cookies = path.join(os.tmpdir(), `vetted-cookies-${randomBytes(8).toString('hex')}.txt`);
        try {
          // Readable by Vetted alone: the cookies are an account's keys.
          await writeFile(cookies, await readFile(o.cookiesFile), { mode: 0o600, flag: 'wx' });
          settings.cookiesFile = cookies;
        } catch {
          // A missing cookies file: run without, as if it were not configured (the admin sees YouTube's refusals).
          cookies = undefined;
        }
      }
      if (pot && o.potProvider) settings.potProviderUrl = o.potProvider.url;
      if (o.testTarget) settings.testTarget = o.testTarget;
      return {
        settings,
        refusals: () => ticket.refusals,
        done: () => {
          ticket.close();
          if (cookies) void rm(cookies, { force: true });
        },
      };
    },
    async close() {
      const p = proxy;
      proxy = undefined;
      if (p) await (await p).close();
    },
  };
}

