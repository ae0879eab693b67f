/**
 * A real OpenID provider for the tests: `oidc-provider` (the certified Node implementation) on a loopback
 * port, with its own signing key, test clients and accounts. Its sign-in page is a small form that lists the
 * accounts ("Sign in as …") and a Cancel button, so the API tests can post it and Chromium can click it.
 * Consent is granted silently, as a school's provider does for an app its admin registered.
 *
 * `tamperTokens` lets a test replace the ID token in the token endpoint's answer, to show what Vetted does
 * with a token from another issuer or minted for another client.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

export interface IdpAccount {
  sub: string;
  email: string;
  email_verified?: boolean;
  name?: string;
}

export interface IdpClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

export interface TestIdp {
  issuer: string;
  accounts: Map<string, IdpAccount>;
  /** Replace the `id_token` in the next token endpoint answers (until set back to null). */
  tamperTokens: ((idToken: string) => string) | null;
  close(): Promise<void>;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Starts a provider on 127.0.0.1 (`port` 0 = any free port). */
export async function startTestIdp(opts: { port?: number; clients: IdpClient[]; accounts: IdpAccount[] }): Promise<TestIdp> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map(opts.accounts.map((a) => [a.sub, a]));
  // Each provider signs with its own key, so a token from another provider fails the signature check too.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(6).toString('hex'), use: 'sig', alg: 'RS256' };

  const configuration: Configuration = {
    clients: opts.clients.map((c) => ({ ...c, grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' })),
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false } },
    // Short lives, as a real provider's: and set, so the provider does not warn about its defaults.
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, email: account.email, email_verified: account.email_verified ?? true, name: account.name ?? account.email };
        },
      };
    },
    // A first-party app the school registered: no consent screen.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const session = ctx.oidc.session!;
      const clientId = ctx.oidc.client!.clientId;
      const grantId = session.grantIdFor(clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId: session.accountId! });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, configuration);
  const handle = provider.callback();

  const idp: TestIdp = {
    issuer,
    accounts,
    tamperTokens: null,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  server.on('request', (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', issuer);
      const interaction = /^\/interaction\/([\w-]+)$/.exec(url.pathname);
      try {
        if (interaction && req.method === 'GET') {
          const details = await provider.interactionDetails(req, res);
          const options = [...accounts.values()].map((a) => `<option value="${escape(a.sub)}">${escape(a.email)}</option>`).join('');
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(
            page(
              'Test school account',
              `<form method="post" action="/interaction/${details.uid}"><label for="account">Account</label>` +
                `<select id="account" name="account">${options}</select>` +
                `<button type="submit" name="action" value="login">Sign in as this account</button>` +
                `<button type="submit" name="action" value="cancel">Cancel</button></form>`,
            ),
          );
          return;
        }
        if (interaction && req.method === 'POST') {
          const form = await readForm(req);
          if (form.get('action') === 'cancel') {
            await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The person cancelled the sign-in.' }, { mergeWithLastSubmission: false });
            return;
          }
          const accountId = form.get('account') ?? '';
          if (!accounts.has(accountId)) {
            res.writeHead(400).end('unknown account');
            return;
          }
          await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
          return;
        }
        if (url.pathname === '/token' && idp.tamperTokens) {
          const tamper = idp.tamperTokens;
          // Let the provider answer, then swap the ID token in its JSON before it leaves.
          const end = res.end.bind(res);
          const chunks: Buffer[] = [];
          res.write = ((chunk: unknown) => {
            chunks.push(Buffer.from(chunk as Buffer));
            return true;
          }) as typeof res.write;
          res.end = ((chunk?: unknown) => {
            if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk as Buffer));
            let body = Buffer.concat(chunks).toString('utf8');
            try {
              const json = JSON.parse(body) as { id_token?: string };
              if (json.id_token) json.id_token = tamper(json.id_token);
              body = JSON.stringify(json);
            } catch {
              // not JSON: pass through
            }
            if (!res.headersSent) res.setHeader('content-length', Buffer.byteLength(body));
            return end(body);
          }) as typeof res.end;
        }
        handle(req, res);
      } catch (e) {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`test provider error: ${(e as Error).message}`);
      }
    })();
  });
  return idp;
}

/** A tiny browser for the API tests: follows nothing by itself, keeps cookies per origin. */
export class CookieJar {
  private jar = new Map<string, Map<string, string>>();

  header(url: string): string {
    const cookies = this.jar.get(new URL(url).origin);
    return cookies ? [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  store(url: string, res: Response): void {
    const origin = new URL(url).origin;
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    this.jar.set(origin, cookies);
  }

  get(origin: string, name: string): string | undefined {
    return this.jar.get(origin)?.get(name);
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.header(url);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.store(url, res);
    return res;
  }

}

/** A free loopback port (the provider and Vetted must know each other's addresses before either starts). */
export async function freeLoopbackPort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Walks a browser through the provider from an authorization URL: its redirects, then its sign-in form
 * (choosing `account`, or Cancel), until the provider sends the browser away. Returns that URL (the callback).
 */
export async function throughProvider(jar: CookieJar, authorizeUrl: string, opts: { account: string; cancel?: boolean }): Promise<string> {
  const idpOrigin = new URL(authorizeUrl).origin;
  let url = authorizeUrl;
  for (let i = 0; i < 10; i++) {
    if (new URL(url).origin !== idpOrigin) return url;
    let res = await jar.fetch(url);
    if (res.status === 200 && new URL(url).pathname.startsWith('/interaction/')) {
      await res.arrayBuffer();
      const body = new URLSearchParams({ account: opts.account, action: opts.cancel ? 'cancel' : 'login' });
      res = await jar.fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
    }
    const location = res.headers.get('location');
    if (!location) throw new Error(`the provider answered ${res.status} at ${url}: ${(await res.text()).slice(0, 300)}`);
    url = new URL(location, url).toString();
  }
  throw new Error('too many redirects at the provider');
}
