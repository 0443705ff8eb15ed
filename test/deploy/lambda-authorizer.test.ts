// The Lambda authorizer invoked as API Gateway invokes it, with real tokens from a running SSO and
// with bad ones (expired, for another API, tampered, without the route's scope, none), for both
// HTTP API (simple responses) and REST API (policy documents) payloads; and the zip the packaging
// script builds, loaded the way Lambda loads it.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import {
  createAuthorizer,
  type HttpApiEvent,
  type PolicyResponse,
  type RestApiEvent,
  type SimpleResponse,
} from '../../deploy/lambda-authorizer/authorizer.ts';
import { discover } from '../support/flows.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ORDERS = 'https://api.example.test/orders';
const BILLING = 'https://api.example.test/billing';
const ROUTES = { 'GET /orders': ['orders:read'], 'POST /orders': ['orders:write'] };
const ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod';

const httpEvent = (routeKey: string, token?: string): HttpApiEvent => ({
  version: '2.0',
  type: 'REQUEST',
  routeKey,
  routeArn: `${ARN}/${routeKey.replace(' ', '')}`,
  headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
});
const restEvent = (method: string, path: string, token?: string): RestApiEvent => ({
  type: 'TOKEN',
  methodArn: `${ARN}/${method}${path}`,
  ...(token === undefined ? {} : { authorizationToken: `Bearer ${token}` }),
});

describe('the Lambda authorizer', () => {
  let sso: TestSso;
  const tokens: Record<string, string> = {};
  let authorizer: ReturnType<typeof createAuthorizer>;
  let workerId: string;

  beforeAll(async () => {
    sso = await startTestSso();
    await sso.api({ audience: ORDERS, scopes: ['orders:read', 'orders:write'] });
    await sso.api({ audience: BILLING, scopes: ['billing:read'] });
    const worker = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      allowedApis: [ORDERS, BILLING],
    });
    workerId = worker.clientId;
    const config = await discover(sso.issuer, worker.clientId, worker.secret);
    const grant = async (resource: string, scope: string) =>
      (await oidc.clientCredentialsGrant(config, { resource, scope })).access_token;
    tokens.read = await grant(ORDERS, 'orders:read');
    tokens.billing = await grant(BILLING, 'billing:read');
    const [header, payload, signature] = tokens.read.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    tokens.tampered = [
      header,
      Buffer.from(JSON.stringify({ ...claims, scope: 'orders:read orders:write' })).toString(
        'base64url',
      ),
      signature,
    ].join('.');
    // Expired an hour ago, signed with SSO's own active key (as an old token of its own would be).
    const set = (await sso.store.keySets.get('signing'))!;
    const key = set.keys.find((candidate) => candidate.jwk.alg === 'ES256')!;
    const now = Math.floor(Date.now() / 1000);
    tokens.expired = await new jose.SignJWT({ ...claims, iat: now - 7200, exp: now - 3600 })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid })
      .sign(await jose.importJWK(key.jwk, 'ES256'));
    authorizer = createAuthorizer({
      issuer: sso.issuer,
      audience: ORDERS,
      routeScopes: ROUTES,
      allowHttp: true,
    });
  });
  afterAll(async () => {
    await sso.stop();
  });

  test('HTTP API: a good token is authorized with its claims as context', async () => {
    const answer = (await authorizer(httpEvent('GET /orders', tokens.read))) as SimpleResponse;
    expect(answer.isAuthorized).toBe(true);
    expect(answer.context).toMatchObject({
      client_id: workerId,
      aud: ORDERS,
      iss: sso.issuer,
      scope: 'orders:read',
    });
  });

  test.each([
    ['expired', 'GET /orders', 'SSO_TOKEN_EXPIRED'],
    ['billing', 'GET /orders', 'SSO_AUDIENCE_MISMATCH'],
    ['tampered', 'GET /orders', 'SSO_SIGNATURE_INVALID'],
    ['read', 'POST /orders', 'SSO_INSUFFICIENT_SCOPE'],
    ['read', 'DELETE /orders', 'route DELETE /orders is not configured'],
  ])('HTTP API: a %s token on %s is refused (%s)', async (name, route, reason) => {
    const answer = (await authorizer(httpEvent(route, tokens[name]))) as SimpleResponse;
    expect(answer).toEqual({ isAuthorized: false, context: { reason } });
  });

  test('HTTP API: no token is refused', async () => {
    expect(await authorizer(httpEvent('GET /orders'))).toEqual({
      isAuthorized: false,
      context: { reason: 'no bearer token' },
    });
  });

  test('REST API: an Allow policy for the method ARN with the claims as context', async () => {
    const answer = (await authorizer(restEvent('GET', '/orders', tokens.read))) as PolicyResponse;
    expect(answer.principalId).toBe(workerId);
    expect(answer.policyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${ARN}/GET/orders` }],
    });
    expect(answer.context).toMatchObject({ client_id: workerId, scope: 'orders:read' });
  });

  test('REST API: a bad or missing token is 401 (Unauthorized), a missing scope 403 (Deny)', async () => {
    for (const name of ['expired', 'billing', 'tampered', undefined]) {
      await expect(
        authorizer(restEvent('GET', '/orders', name === undefined ? undefined : tokens[name])),
      ).rejects.toThrow(/^Unauthorized$/);
    }
    const denied = (await authorizer(restEvent('POST', '/orders', tokens.read))) as PolicyResponse;
    expect(denied.policyDocument.Statement[0]!.Effect).toBe('Deny');
    expect(denied.context).toEqual({ reason: 'SSO_INSUFFICIENT_SCOPE' });
  });

  test('the JWKS is fetched once across invocations', async () => {
    let jwksFetches = 0;
    const original = globalThis.fetch;
    globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
      if (String(input instanceof Request ? input.url : input).endsWith('/jwks')) jwksFetches++;
      return original(input, init);
    };
    try {
      const fresh = createAuthorizer({
        issuer: `${sso.issuer}/`.slice(0, -1),
        audience: ORDERS,
        routeScopes: ROUTES,
        allowHttp: true,
      });
      for (let i = 0; i < 5; i++) {
        expect(
          ((await fresh(httpEvent('GET /orders', tokens.read))) as SimpleResponse).isAuthorized,
        ).toBe(true);
      }
    } finally {
      globalThis.fetch = original;
    }
    expect(jwksFetches).toBeLessThanOrEqual(1);
  });

  test('the packaged zip runs as Lambda runs it (index.handler, configured by environment)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sso-authorizer-'));
    try {
      const zip = join(dir, 'authorizer.zip');
      const built = spawnSync('bash', ['deploy/lambda-authorizer/package.sh', zip], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      expect(built.status).toBe(0);
      expect(spawnSync('unzip', ['-q', zip, '-d', join(dir, 'task')]).status).toBe(0);
      const script = `
        const { handler } = await import(${JSON.stringify(join(dir, 'task', 'index.mjs'))});
        const answer = await handler(JSON.parse(process.argv[1]));
        process.stdout.write(JSON.stringify(answer));`;
      // Asynchronously: SSO answers from this process meanwhile.
      const run = await execFileAsync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          script,
          JSON.stringify(httpEvent('GET /orders', tokens.read)),
        ],
        {
          env: {
            PATH: process.env.PATH,
            SSO_ISSUER: sso.issuer,
            SSO_AUDIENCE: ORDERS,
            SSO_ROUTE_SCOPES: JSON.stringify(ROUTES),
            SSO_ALLOW_HTTP: 'true',
          },
        },
      );
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toMatchObject({
        isAuthorized: true,
        context: { aud: ORDERS },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
