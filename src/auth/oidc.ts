import * as client from 'openid-client';
import type { OidcConfig } from '../config.js';
import type { SignInRefusal } from '../domain/school-sign-in.js';

/**
 * The one place that speaks OpenID Connect, through `openid-client` (certified; it checks the ID token's
 * issuer, audience, signature against the provider's published keys, expiry, nonce, and the state and issuer of
 * the authorization response). Authorization code flow with PKCE; the provider's metadata is discovered at
 * the first sign-in and kept, and discovered again after a failure.
 */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface ProviderPerson {
  issuer: string;
  subject: string;
  claims: Record<string, unknown>;
}

export interface OidcClient {
  readonly issuer: string;
  /** The provider's authorization URL to send the browser to, and what must be kept to finish. */
  begin(): Promise<{ url: string; pending: PendingSignIn }>;
  /** Checks the provider's answer on the callback URL and redeems the code; throws OidcFailure. */
  finish(callbackUrl: URL, pending: PendingSignIn): Promise<ProviderPerson>;
  /** Discovers the provider afresh (for the admin setting it up): its endpoints, or why not. */
  check(): Promise<{ ok: true; authorizationEndpoint: string } | { ok: false; detail: string }>;
}

/** A sign-in the provider or the checks refused. `detail` is for the audit log, never for the page. */
export class OidcFailure extends Error {
  constructor(
    readonly refusal: SignInRefusal,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'OidcFailure';
  }
}

export interface OidcClientOptions {
  redirectUri: string;
  /** How far this machine's clock is off, in seconds (tests simulate a wrong clock with it). */
  clockSkewSeconds?: number;
  timeoutSeconds?: number;
}

/** Every message down an error's cause chain, and the attribute or claim a comparison failed on. */
function explain(e: unknown): { text: string; attribute?: string; codes: string[] } {
  const parts: string[] = [];
  const codes: string[] = [];
  let attribute: string | undefined;
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    if (cur instanceof Error) {
      parts.push(cur.message);
      const code = (cur as { code?: unknown }).code;
      if (typeof code === 'string') codes.push(code);
      cur = (cur as { cause?: unknown }).cause;
    } else if (typeof cur === 'object') {
      const o = cur as { attribute?: unknown; claim?: unknown };
      if (typeof o.attribute === 'string') attribute = o.attribute;
      if (typeof o.claim === 'string') attribute = o.claim;
      break;
    } else break;
  }
  return { text: parts.join(': ').slice(0, 500), attribute, codes };
}

/** Sorts a failure from openid-client into what the person is told. */
export function classifyFailure(e: unknown, stage: 'discovery' | 'callback'): OidcFailure {
  if (e instanceof OidcFailure) return e;
  const { text, attribute, codes } = explain(e);
  if (e instanceof client.AuthorizationResponseError) {
    return new OidcFailure('provider_refused', `authorization response: ${e.error}${e.error_description ? ` (${e.error_description})` : ''}`);
  }
  if (e instanceof client.ResponseBodyError) {
    return new OidcFailure('provider_refused', `token endpoint: ${e.error}${e.error_description ? ` (${e.error_description})` : ''}`);
  }
  if (stage === 'discovery' || e instanceof TypeError || (e instanceof Error && /abort|timeout/i.test(e.name))) {
    return new OidcFailure('provider_unreachable', text);
  }
  if (codes.includes('OAUTH_JWT_TIMESTAMP_CHECK_FAILED')) return new OidcFailure('clock_skew', text);
  // The state in the answer is not the one this browser's sign-in sent.
  if (attribute === 'state' || /"state"/.test(text)) return new OidcFailure('sign_in_expired', `state does not match this browser's sign-in: ${text}`);
  if (codes.includes('OAUTH_RESPONSE_IS_NOT_CONFORM') || codes.includes('OAUTH_RESPONSE_IS_NOT_JSON')) {
    return new OidcFailure('provider_unreachable', text);
  }
  return new OidcFailure('token_rejected', attribute ? `${attribute}: ${text}` : text);
}

export function createOidcClient(cfg: OidcConfig, opts: OidcClientOptions): OidcClient {
  let discovered: Promise<client.Configuration> | undefined;
  const insecure = new URL(cfg.issuer).protocol === 'http:'; // config.ts allows http only on loopback

  function configuration(): Promise<client.Configuration> {
    discovered ??= client
      .discovery(
        new URL(cfg.issuer),
        cfg.clientId,
        {
          client_secret: cfg.clientSecret,
          ...(opts.clockSkewSeconds ? { [client.clockSkew]: opts.clockSkewSeconds } : {}),
        },
        client.ClientSecretBasic(cfg.clientSecret),
        { execute: insecure ? [client.allowInsecureRequests] : [], timeout: opts.timeoutSeconds ?? 10 },
      )
      .catch((e: unknown) => {
        discovered = undefined; // try again at the next sign-in
        throw classifyFailure(e, 'discovery');
      });
    return discovered;
  }

  return {
    issuer: cfg.issuer,

    async begin() {
      const config = await configuration();
      const pending: PendingSignIn = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: opts.redirectUri,
        scope: 'openid email profile',
        code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url: url.toString(), pending };
    },

    async check() {
      discovered = undefined;
      try {
        const meta = (await configuration()).serverMetadata();
        return { ok: true, authorizationEndpoint: String(meta.authorization_endpoint) };
      } catch (e) {
        return { ok: false, detail: e instanceof Error ? e.message : String(e) };
      }
    },

    async finish(callbackUrl, pending) {
      const config = await configuration();
      try {
        const tokens = await client.authorizationCodeGrant(
          config,
          callbackUrl,
          { pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true },
          { redirect_uri: opts.redirectUri },
        );
        const idToken = tokens.claims();
        if (!idToken) throw new OidcFailure('token_rejected', 'no ID token in the token response');
        let claims: Record<string, unknown> = { ...idToken };
        // Some providers put the e-mail only in the userinfo answer; its subject must be the ID token's.
        if (claims.email === undefined && config.serverMetadata().userinfo_endpoint) {
          const info = await client.fetchUserInfo(config, tokens.access_token, idToken.sub);
          claims = { ...info, ...idToken };
        }
        return { issuer: String(idToken.iss), subject: idToken.sub, claims };
      } catch (e) {
        throw classifyFailure(e, 'callback');
      }
    },
  };
}
