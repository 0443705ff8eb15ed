// Interoperability with Python's Authlib (OAuth2Session over requests; ID token validation as
// Authlib's OpenID client does it; Authlib's RFC 9068 validator for the API): test/interop/python/
// interop.py is pointed at a fresh SSO and what it observed is asserted here. It runs in the virtual
// environment test/tools/prepare.sh makes (test/interop/python/.venv, with the pinned requirements);
// this test installs nothing and fails, never skips, when it is missing.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startTestSso, type TestSso } from '../support/sso.ts';
import {
  API_AUDIENCE,
  expectSuccess,
  parseReport,
  registerFixtures,
  run,
  type InteropFixtures,
} from './support.ts';

const SCRIPT = fileURLToPath(new URL('./python/interop.py', import.meta.url));
const REQUIREMENTS = fileURLToPath(new URL('./python/requirements.txt', import.meta.url));
const PYTHON = fileURLToPath(new URL('./python/.venv/bin/python', import.meta.url));
const INSTALL =
  'CI must run: bash test/tools/prepare.sh (it makes test/interop/python/.venv with the pinned requirements)';

interface PythonReport {
  libraries: Record<string, string>;
  python: string;
  discovery: Record<string, unknown>;
  jwksKeyTypes: string[];
  codeFlow: {
    pages: string[];
    codeChallengeMethodSent: string;
    callbackIssuer: string;
    stateMatched: boolean;
    tokenType: string;
    scope: string;
    expiresIn: number;
    hasRefreshToken: boolean;
    expired: boolean;
  };
  idToken: {
    algorithm: string;
    nonceMatched: boolean;
    accessTokenHash: 'valid' | 'absent';
    claims: Record<string, unknown>;
  };
  userinfo: Record<string, unknown>;
  userinfoRejected: { status: number; wwwAuthenticate: string | null; error: string };
  refresh: { newAccessToken: boolean; newRefreshToken: boolean; idTokenSubject: string | null };
  clientCredentials: {
    tokenType: string;
    scope: string;
    expiresIn: number;
    header: Record<string, unknown>;
    verified: Record<string, unknown>;
    wrongAudienceError: string | null;
  };
}

describe('Python: Authlib + requests against SSO', () => {
  let sso: TestSso;
  let fixtures: InteropFixtures;
  let report: PythonReport;

  beforeAll(async () => {
    const version = await run(PYTHON, ['--version']);
    expectSuccess(version, `\`${PYTHON} --version\``, `Python 3.10+ is needed. ${INSTALL}`);
    sso = await startTestSso();
    fixtures = await registerFixtures(sso, 'Python');
    const result = await run(PYTHON, [SCRIPT], { env: fixtures.env, timeoutMs: 30_000 });
    if (result.code === 3) expectSuccess(result, 'Importing the Python dependencies', INSTALL);
    report = parseReport<PythonReport>(result, 'test/interop/python/interop.py');
  }, 60_000);
  afterAll(async () => {
    await sso?.stop();
  });

  test('ran with the versions requirements.txt pins', async () => {
    const pins = Object.fromEntries(
      [...(await readFile(REQUIREMENTS, 'utf8')).matchAll(/^([\w.-]+)==(\S+)$/gm)].map((match) => [
        match[1]!,
        match[2]!,
      ]),
    );
    for (const [name, version] of Object.entries(report.libraries)) {
      if (pins[name] !== version) {
        throw new Error(
          `${name} ${version} is installed, requirements.txt pins ${pins[name]}. ${INSTALL}`,
        );
      }
    }
    expect(Object.keys(report.libraries)).toEqual(
      expect.arrayContaining(['Authlib', 'joserfc', 'requests']),
    );
  });

  test('discovery metadata and the JWKS', () => {
    expect(report.discovery).toMatchObject({
      issuer: sso.issuer,
      authorization_endpoint: `${sso.issuer}/auth`,
      token_endpoint: `${sso.issuer}/token`,
      userinfo_endpoint: `${sso.issuer}/me`,
      jwks_uri: `${sso.issuer}/jwks`,
      code_challenge_methods_supported: ['S256'],
    });
    expect(report.jwksKeyTypes).toEqual(['EC', 'RSA']);
  });

  test('code flow with PKCE (S256) through the login and consent pages, exchanged by OAuth2Session', () => {
    expect(report.codeFlow).toMatchObject({
      pages: ['login', 'consent'],
      codeChallengeMethodSent: 'S256',
      callbackIssuer: sso.issuer,
      stateMatched: true,
      tokenType: 'Bearer',
      expiresIn: expect.any(Number),
      hasRefreshToken: true,
      expired: false,
    });
    expect(report.codeFlow.scope.split(' ').sort()).toEqual(
      ['email', 'groups', 'offline_access', 'openid', 'profile'].sort(),
    );
  });

  test('the ID token validates against the JWKS with authlib.oidc.core.CodeIDToken', () => {
    expect(report.idToken).toMatchObject({ algorithm: 'ES256', nonceMatched: true });
    expect(['valid', 'absent']).toContain(report.idToken.accessTokenHash);
    expect(report.idToken.claims).toMatchObject({
      iss: sso.issuer,
      sub: fixtures.user.id,
      aud: fixtures.webClientId,
    });
  });

  test('userinfo answers the claims of the granted scopes; a bad token gets an RFC 6750 challenge', () => {
    expect(report.userinfo).toMatchObject({
      sub: fixtures.user.id,
      email: 'alice@example.com',
      email_verified: true,
      name: 'Alice Liddell',
      given_name: 'Alice',
      family_name: 'Liddell',
      preferred_username: 'alice',
      groups: ['admins', 'staff'],
    });
    expect(report.userinfoRejected).toMatchObject({ status: 401, error: 'invalid_token' });
    expect(report.userinfoRejected.wwwAuthenticate).toMatch(/^Bearer .*error="invalid_token"/);
  });

  test('OAuth2Session.refresh_token rotates the refresh token', () => {
    expect(report.refresh).toEqual({
      newAccessToken: true,
      newRefreshToken: true,
      idTokenSubject: fixtures.user.id,
    });
  });

  test('client credentials with a resource indicator give a JWT that Authlib validates as the API (RFC 9068), and only as that API', () => {
    const cc = report.clientCredentials;
    expect(cc).toMatchObject({ tokenType: 'Bearer', scope: 'orders:read' });
    expect(cc.expiresIn).toBeGreaterThan(0);
    expect(cc.header).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
    expect(cc.verified).toMatchObject({
      iss: sso.issuer,
      aud: API_AUDIENCE,
      client_id: fixtures.serviceClientId,
      scope: 'orders:read',
    });
    expect(cc.wrongAudienceError).toMatch(/invalid_token.*'aud'/);
  });
});
