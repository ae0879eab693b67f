/**
 * What every yt-dlp run needs besides the video: what this yt-dlp understands (src/ytdlp/capabilities.ts), the
 * JavaScript runtime, and a ticket for Vetted's loopback proxy (started on first use, for the life of the worker).
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startConnectProxy, type ConnectProxy, type ConnectProxyOptions } from '../../net/connect-proxy.js';
import { capabilitiesOf } from '../../ytdlp/capabilities.js';
import { findJsRuntime, type JsRuntime } from '../../ytdlp/js-runtime.js';
import type { YtdlpRunSettings } from './ytdlp-args.js';
import type { PreparedRun } from './ytdlp-backend.js';

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

