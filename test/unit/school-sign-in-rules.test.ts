import { describe, expect, it } from 'vitest';
import { classifyFailure, OidcFailure } from '../../src/auth/oidc.js';
import { loadConfig } from '../../src/config.js';
import { redactSignInCodes } from '../../src/http/log-redaction.js';
import { domainAllowed, emailClaim, emailVerified, isSignInRefusal, safeReturnPath, SIGN_IN_REFUSALS } from '../../src/domain/school-sign-in.js';

const OIDC = {
  OIDC_ISSUER: 'https://accounts.google.com',
  OIDC_CLIENT_ID: 'id.apps.googleusercontent.com',
  OIDC_CLIENT_SECRET: 'secret',
  OIDC_ALLOWED_DOMAINS: 'School.example, @juniors.school.example',
};

describe('school-account sign-in configuration', () => {
  it('is off without OIDC_ISSUER, and parses a full set', () => {
    expect(loadConfig({}).oidc).toBeNull();
    expect(loadConfig({}).passwordLogin).toBe('on');
    expect(loadConfig(OIDC).oidc).toEqual({
      issuer: 'https://accounts.google.com',
      clientId: 'id.apps.googleusercontent.com',
      clientSecret: 'secret',
      allowedDomains: ['school.example', 'juniors.school.example'],
      label: 'Sign in with your school account',
      autoCreate: 'off',
    });
    expect(loadConfig({ ...OIDC, OIDC_LABEL: 'Sign in with Google', OIDC_AUTO_CREATE: 'teacher' }).oidc).toMatchObject({ label: 'Sign in with Google', autoCreate: 'teacher' });
  });

  it('stops at start with a sentence naming the variable', () => {
    expect(() => loadConfig({ OIDC_CLIENT_ID: 'x' })).toThrow(/OIDC_ISSUER/);
    expect(() => loadConfig({ ...OIDC, OIDC_ISSUER: 'http://login.example.com' })).toThrow(/https/);
    expect(() => loadConfig({ ...OIDC, OIDC_ISSUER: 'not a url' })).toThrow(/OIDC_ISSUER/);
    expect(() => loadConfig({ ...OIDC, OIDC_CLIENT_SECRET: '' })).toThrow(/OIDC_CLIENT_SECRET/);
    expect(() => loadConfig({ ...OIDC, OIDC_ALLOWED_DOMAINS: '' })).toThrow(/OIDC_ALLOWED_DOMAINS/);
    expect(() => loadConfig({ ...OIDC, OIDC_ALLOWED_DOMAINS: 'school' })).toThrow(/"school"/);
    expect(() => loadConfig({ ...OIDC, OIDC_AUTO_CREATE: 'admin' })).toThrow(/OIDC_AUTO_CREATE/);
    expect(() => loadConfig({ PASSWORD_LOGIN: 'off' })).toThrow(/PASSWORD_LOGIN=off needs/);
    expect(() => loadConfig({ ...OIDC, PASSWORD_LOGIN: 'no' })).toThrow(/PASSWORD_LOGIN/);
    // A provider on this machine may use plain http (tests, a local provider).
    expect(loadConfig({ ...OIDC, OIDC_ISSUER: 'http://127.0.0.1:9999/' }).oidc?.issuer).toBe('http://127.0.0.1:9999');
    expect(loadConfig({ ...OIDC, PASSWORD_LOGIN: 'off' }).passwordLogin).toBe('off');
  });
});

describe('school-account sign-in rules', () => {
  it('takes a verified e-mail only', () => {
    expect(emailVerified({ email_verified: true })).toBe(true);
    expect(emailVerified({ email_verified: 'true' })).toBe(true);
    expect(emailVerified({ email_verified: false })).toBe(false);
    expect(emailVerified({ email_verified: 'false' })).toBe(false);
    expect(emailVerified({})).toBe(false);
    // Microsoft Entra: no email_verified, but the tenant vouches for the domain.
    expect(emailVerified({ xms_edov: true })).toBe(true);
    expect(emailVerified({ email_verified: false, xms_edov: true })).toBe(false);
  });

  it('matches e-mail domains exactly, in any case', () => {
    const domains = ['school.example'];
    expect(domainAllowed('Ann@School.Example', domains)).toBe(true);
    expect(domainAllowed('ann@evil-school.example', domains)).toBe(false);
    expect(domainAllowed('ann@sub.school.example', domains)).toBe(false);
    expect(domainAllowed('ann@school.example.evil.test', domains)).toBe(false);
    expect(domainAllowed('school.example', domains)).toBe(false);
    expect(domainAllowed('a@b@school.example', domains)).toBe(true);
    expect(emailClaim({ email: ' Ann@School.Example ' })).toBe('ann@school.example');
    expect(emailClaim({ email: 'not an email' })).toBeUndefined();
    expect(emailClaim({ email: 42 })).toBeUndefined();
  });

  it('returns only to the desk or the admin console', () => {
    expect(safeReturnPath('/admin')).toBe('/admin');
    expect(safeReturnPath('/')).toBe('/');
    for (const bad of ['https://evil.example', '//evil.example', '/admin/../x', '/\\evil.example', undefined, 42]) expect(safeReturnPath(bad)).toBe('/');
  });

  it('has a sentence for every refusal, and knows only its own codes', () => {
    for (const [code, sentence] of Object.entries(SIGN_IN_REFUSALS)) {
      expect(isSignInRefusal(code)).toBe(true);
      expect(sentence).toMatch(/^[A-Z].{30,}\.$/);
    }
    expect(isSignInRefusal('toString')).toBe(false);
    expect(isSignInRefusal('__proto__')).toBe(false);
  });

  it('sorts failures: network faults, clock, and anything else as a failed check', () => {
    expect(classifyFailure(new TypeError('fetch failed'), 'callback').refusal).toBe('provider_unreachable');
    expect(classifyFailure(new Error('whatever'), 'discovery').refusal).toBe('provider_unreachable');
    const clock = Object.assign(new Error('unexpected JWT claim'), { code: 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED' });
    expect(classifyFailure(clock, 'callback').refusal).toBe('clock_skew');
    expect(classifyFailure(new Error('x', { cause: new Error('unexpected "state" response parameter value') }), 'callback').refusal).toBe('sign_in_expired');
    expect(classifyFailure(new Error('signature verification failed'), 'callback').refusal).toBe('token_rejected');
    const known = new OidcFailure('provider_refused', 'access_denied');
    expect(classifyFailure(known, 'callback')).toBe(known);
  });
});

describe('the log', () => {
  it('keeps the one-time code and the state of a sign-in callback out of request logs', () => {
    expect(redactSignInCodes('/api/auth/oidc/callback?code=abc123&state=s1&iss=https%3A%2F%2Faccounts.google.com')).toBe(
      '/api/auth/oidc/callback?code=[redacted]&state=[redacted]&iss=https%3A%2F%2Faccounts.google.com',
    );
    expect(redactSignInCodes('/api/auth/oidc/callback?error=access_denied&state=s1')).toBe('/api/auth/oidc/callback?error=access_denied&state=[redacted]');
    expect(redactSignInCodes('/api/items?code=keep')).toBe('/api/items?code=keep');
  });
});
