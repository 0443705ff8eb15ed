// Interoperability with Go's off-the-shelf OpenID Connect stack (github.com/coreos/go-oidc/v3 and
// golang.org/x/oauth2): the program in test/interop/go is built once, pointed at a fresh SSO, and
// what it observed is asserted here. It needs the Go toolchain and its modules in the module cache;
// this test never downloads them (GOPROXY=off) and fails, never skips, when they are missing.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const SOURCE = fileURLToPath(new URL('./go/', import.meta.url));
const INSTALL = 'CI must run: (cd test/interop/go && go mod download && go build -o /dev/null .)';
// Offline and reproducible: modules only from the module cache, exactly as go.sum pins them.
const GO_ENV = { GOPROXY: 'off', GOFLAGS: '-mod=readonly -buildvcs=false', GOTOOLCHAIN: 'local' };

interface GoReport {
  libraries: Record<string, string>;
  discovery: {
    issuer: string;
    authorizationEndpoint: string;
    tokenEndpoint: string;
    userinfoEndpoint: string;
    jwksUri: string;
    codeChallengeMethodsSupported: string[];
    idTokenSigningAlgs: string[];
  };
  codeFlow: {
    pages: string[];
    callbackIssuer: string;
    stateMatched: boolean;
    tokenType: string;
    scope: string;
    expiresInFuture: boolean;
    hasRefreshToken: boolean;
  };
  idToken: {
    issuer: string;
    subject: string;
    audience: string[];
    nonceMatched: boolean;
    accessTokenHash: 'valid' | 'absent';
    algorithm: string;
    claims: Record<string, unknown>;
  };
  userinfo: {
    subject: string;
    email: string;
    emailVerified: boolean;
    claims: Record<string, unknown>;
    badTokenError: string;
  };
  refresh: { newAccessToken: boolean; newRefreshToken: boolean; idTokenSubject: string };
  clientCredentials: {
    tokenType: string;
    scope: string;
    expiresIn: number;
    header: Record<string, unknown>;
    verified: Record<string, unknown>;
    wrongAudienceError: string;
  };
}

describe('Go: coreos/go-oidc + x/oauth2 against SSO', () => {
  let sso: TestSso;
  let fixtures: InteropFixtures;
  let buildDir: string;
  let report: GoReport;

  beforeAll(async () => {
    const version = await run('go', ['version'], { env: GO_ENV });
    expectSuccess(version, '`go version`', `The Go toolchain (1.26+) must be on PATH. ${INSTALL}`);
    buildDir = await mkdtemp(join(tmpdir(), 'sso-interop-go-'));
    const binary = join(buildDir, 'interop');
    // Compiled once per run; a cold build cache makes this the slow step.
    const build = await run('go', ['build', '-o', binary, '.'], {
      cwd: SOURCE,
      env: GO_ENV,
      timeoutMs: 170_000,
    });
    expectSuccess(build, '`go build` of test/interop/go', INSTALL);

    sso = await startTestSso();
    fixtures = await registerFixtures(sso, 'Go');
    report = parseReport<GoReport>(
      await run(binary, [], { env: fixtures.env, timeoutMs: 30_000 }),
      'the Go interop program',
    );
  }, 180_000);
  afterAll(async () => {
    await sso?.stop();
    if (buildDir) await rm(buildDir, { recursive: true, force: true });
  });

  test('built with the libraries go.mod pins', async () => {
    const goMod = await readFile(join(SOURCE, 'go.mod'), 'utf8');
    const pinned = Object.fromEntries(
      [...goMod.matchAll(/^\s+(\S+) (v\S+)/gm)].map((match) => [match[1]!, match[2]!]),
    );
    expect(Object.keys(pinned)).toEqual(
      expect.arrayContaining(['github.com/coreos/go-oidc/v3', 'golang.org/x/oauth2']),
    );
    expect(report.libraries).toMatchObject(pinned);
  });

  test('discovery (oidc.NewProvider) accepts the issuer and its metadata', () => {
    const issuer = sso.issuer;
    expect(report.discovery).toEqual({
      issuer,
      authorizationEndpoint: `${issuer}/auth`,
      tokenEndpoint: `${issuer}/token`,
      userinfoEndpoint: `${issuer}/me`,
      jwksUri: `${issuer}/jwks`,
      codeChallengeMethodsSupported: ['S256'],
      idTokenSigningAlgs: expect.arrayContaining(['ES256', 'RS256']),
    });
  });

  test('code flow with PKCE through the login and consent pages, exchanged by x/oauth2', () => {
    expect(report.codeFlow).toEqual({
      pages: ['login', 'consent'],
      callbackIssuer: sso.issuer,
      stateMatched: true,
      tokenType: 'Bearer',
      scope: expect.any(String),
      expiresInFuture: true,
      hasRefreshToken: true,
    });
    expect(report.codeFlow.scope.split(' ').sort()).toEqual(
      ['email', 'groups', 'offline_access', 'openid', 'profile'].sort(),
    );
  });

  test('the ID token verifies with go-oidc (signature, issuer, audience, expiry) and carries the nonce', () => {
    expect(report.idToken).toMatchObject({
      issuer: sso.issuer,
      subject: fixtures.user.id,
      audience: [fixtures.webClientId],
      nonceMatched: true,
      algorithm: 'ES256',
    });
    expect(report.idToken.claims).toMatchObject({
      iss: sso.issuer,
      sub: fixtures.user.id,
      aud: fixtures.webClientId,
      nonce: expect.any(String),
    });
    // at_hash is optional in the code flow; when SSO sends it, the program has checked it.
    expect(['valid', 'absent']).toContain(report.idToken.accessTokenHash);
  });

  test('userinfo (Provider.UserInfo) answers the claims of the granted scopes', () => {
    expect(report.userinfo).toMatchObject({
      subject: fixtures.user.id,
      email: 'alice@example.com',
      emailVerified: true,
    });
    expect(report.userinfo.claims).toMatchObject({
      sub: fixtures.user.id,
      name: 'Alice Liddell',
      given_name: 'Alice',
      family_name: 'Liddell',
      preferred_username: 'alice',
      groups: ['admins', 'staff'],
    });
    expect(report.userinfo.badTokenError).toMatch(/401/);
  });

  test('an expired token source refreshes with the rotated refresh token', () => {
    expect(report.refresh).toEqual({
      newAccessToken: true,
      newRefreshToken: true,
      idTokenSubject: fixtures.user.id,
    });
  });

  test('client credentials with a resource indicator give a JWT that go-oidc verifies for the API audience only', () => {
    const cc = report.clientCredentials;
    expect(cc).toMatchObject({ tokenType: 'Bearer', scope: 'orders:read' });
    // API tokens live 5 minutes by default (SSO_API_ACCESS_TOKEN_TTL).
    expect(cc.expiresIn).toBeGreaterThan(240);
    expect(cc.expiresIn).toBeLessThanOrEqual(300);
    expect(cc.header).toMatchObject({ typ: 'at+jwt', alg: 'ES256', kid: expect.any(String) });
    expect(cc.verified).toMatchObject({
      iss: sso.issuer,
      aud: API_AUDIENCE,
      client_id: fixtures.serviceClientId,
      scope: 'orders:read',
    });
    expect(cc.wrongAudienceError).toMatch(/expected audience/);
  });
});
