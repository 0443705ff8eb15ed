// The contract between SSO and the client package, checked against a running SSO: what it publishes
// in discovery and its JWKS, the tokens it issues, and the error codes it answers with all match
// client-sdk/node/src/contract.ts. If either side drifts, this fails.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, type JWK } from 'jose';
import {
  ACCESS_TOKEN_CLAIMS,
  clientCredentials,
  createClient,
  discoverIssuer,
  getToken,
  GRANT_TYPES,
  JWT_TYPES,
  OAUTH_ERRORS,
  SCOPE_CLAIMS,
  SCOPES,
  SIGNING_ALGORITHMS,
  TOKEN_TYPES,
  type Client,
  type HttpFetch,
  type Issuer,
} from '../../client-sdk/node/src/index.ts';
import { codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';

const ORDERS = 'https://api.example.test/orders';
const oauthErrors: readonly string[] = Object.values(OAUTH_ERRORS);
const allClaims: string[] = Object.values(SCOPE_CLAIMS).flat();

describe('the contract between SSO and the client package', () => {
  let sso: TestSso;
  let issuer: Issuer;
  let worker: Client;
  let secret: string;
  const tokenResponses: Record<string, unknown>[] = [];

  beforeAll(async () => {
    sso = await startTestSso();
    await sso.api({ audience: ORDERS, scopes: ['orders:read'] });
    const registered = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      allowedApis: [ORDERS],
    });
    secret = registered.secret!;
    // Keeps every token response body as the server sent it.
    const keepTokenResponses: HttpFetch = async (url, init) => {
      const response = await fetch(url, init);
      if (new URL(url).pathname.endsWith('/token')) {
        tokenResponses.push((await response.clone().json()) as Record<string, unknown>);
      }
      return response;
    };
    issuer = await discoverIssuer(sso.issuer, { allowHttp: true, fetch: keepTokenResponses });
    worker = createClient(issuer, { clientId: registered.clientId, clientSecret: secret });
  });
  afterAll(async () => {
    await sso?.stop();
  });

  const tokenEndpoint = (body: Record<string, string>, auth = `${worker.clientId}:${secret}`) =>
    fetch(issuer.metadata.token_endpoint!, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(auth).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(body),
    });

  test('discovery publishes every scope, claim, grant type and signing algorithm of the contract', () => {
    const metadata = issuer.metadata;
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining([...SCOPES]));
    expect(metadata.claims_supported).toEqual(expect.arrayContaining(allClaims));
    expect(metadata.id_token_signing_alg_values_supported).toEqual(
      expect.arrayContaining([...SIGNING_ALGORITHMS]),
    );
    expect(metadata.grant_types_supported).toEqual(
      expect.arrayContaining(Object.values(GRANT_TYPES)),
    );
    expect(metadata.dpop_signing_alg_values_supported).toEqual(
      expect.arrayContaining([SIGNING_ALGORITHMS[0]]),
    );
  });

  test('the JWKS holds a public signing key for every contract algorithm', async () => {
    const { keys } = (await (await fetch(issuer.metadata.jwks_uri)).json()) as { keys: JWK[] };
    for (const alg of SIGNING_ALGORITHMS) {
      expect(keys).toContainEqual(
        expect.objectContaining({ alg, use: 'sig', kid: expect.any(String) }),
      );
    }
    for (const key of keys) {
      for (const secretMember of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'])
        expect(key).not.toHaveProperty(secretMember);
    }
  });

  test('access tokens for APIs are typed, signed and shaped as the contract says', async () => {
    tokenResponses.length = 0;
    const bearer = await getToken(
      clientCredentials(client(), { resource: ORDERS, scope: 'orders:read' }),
    );
    const header = decodeProtectedHeader(bearer.accessToken);
    expect(header.typ).toBe(JWT_TYPES.accessToken);
    expect(header.alg).toBe(SIGNING_ALGORITHMS[0]);
    const payload = decodeJwt(bearer.accessToken);
    expect(payload).toHaveProperty(ACCESS_TOKEN_CLAIMS.scope, 'orders:read');
    expect(payload).toHaveProperty(ACCESS_TOKEN_CLAIMS.clientId, worker.clientId);
    expect(payload).not.toHaveProperty(ACCESS_TOKEN_CLAIMS.confirmation);

    const keys = await generateKeyPair('ES256');
    const bound = await getToken(
      clientCredentials(client(), { resource: ORDERS, scope: 'orders:read', dpop: keys }),
    );
    expect(decodeJwt(bound.accessToken)).toHaveProperty(`${ACCESS_TOKEN_CLAIMS.confirmation}.jkt`);
    // token_type exactly as the contract spells it.
    expect(tokenResponses.map((r) => r.token_type)).toEqual([TOKEN_TYPES.bearer, TOKEN_TYPES.dpop]);
  });

  const client = () => worker;

  test('the user claims SSO releases are exactly the contract claims', async () => {
    const user = await sso.user({
      username: 'claire',
      name: 'Claire Voyant',
      givenName: 'Claire',
      familyName: 'Voyant',
      email: 'claire@example.com',
      emailVerified: true,
      middleName: 'Ann',
      nickname: 'Clairy',
      profile: 'https://people.example.com/claire',
      picture: 'https://people.example.com/claire.png',
      website: 'https://claire.example.org/',
      gender: 'female',
      birthdate: '1990-04-01',
      zoneinfo: 'Europe/Berlin',
      locale: 'de-DE',
      phoneNumber: '+49 30 1234567',
      address: { locality: 'Berlin', country: 'Germany' },
      groups: ['staff'],
    });
    const web = await sso.client({
      type: 'confidential',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    });
    const config = await discover(sso.issuer, web.clientId, web.secret);
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const { tokens } = await codeFlow(
      config,
      agent,
      { login: 'claire', password: user.password },
      { scope: SCOPES.join(' ') },
    );
    expect(tokens.token_type.toLowerCase()).toBe(TOKEN_TYPES.bearer.toLowerCase());
    const userinfo = (await (
      await fetch(issuer.metadata.userinfo_endpoint!, {
        headers: { authorization: `${TOKEN_TYPES.bearer} ${tokens.access_token}` },
      })
    ).json()) as Record<string, unknown>;
    expect(Object.keys(userinfo).sort()).toEqual([...allClaims].sort());
    // And per scope: only the claims of the scopes granted.
    const { tokens: emailOnly } = await codeFlow(
      config,
      agent,
      { login: 'claire', password: user.password },
      { scope: 'openid email' },
    );
    const limited = (await (
      await fetch(issuer.metadata.userinfo_endpoint!, {
        headers: { authorization: `Bearer ${emailOnly.access_token}` },
      })
    ).json()) as Record<string, unknown>;
    expect(Object.keys(limited).sort()).toEqual(
      [...SCOPE_CLAIMS.openid, ...SCOPE_CLAIMS.email].sort(),
    );
  });

  test('the errors SSO answers with are contract error codes', async () => {
    const answers: [Response, string | undefined][] = [
      [
        await tokenEndpoint({ grant_type: 'client_credentials' }, `${worker.clientId}:wrong`),
        OAUTH_ERRORS.invalidClient,
      ],
      [
        await tokenEndpoint({ grant_type: 'password', username: 'a', password: 'b' }),
        OAUTH_ERRORS.unsupportedGrantType,
      ],
      [
        await tokenEndpoint({
          grant_type: GRANT_TYPES.authorizationCode,
          code: 'nope',
          redirect_uri: REDIRECT_URI,
        }),
        undefined,
      ],
      [
        await tokenEndpoint({
          grant_type: GRANT_TYPES.clientCredentials,
          resource: 'https://elsewhere.example.test',
        }),
        OAUTH_ERRORS.invalidTarget,
      ],
      [await tokenEndpoint({}), OAUTH_ERRORS.invalidRequest],
    ];
    for (const [response, expected] of answers) {
      const body = (await response.json()) as { error: string };
      if (expected) expect(body.error).toBe(expected);
      expect(oauthErrors).toContain(body.error);
    }
    const userinfo = await fetch(issuer.metadata.userinfo_endpoint!, {
      headers: { authorization: `${TOKEN_TYPES.bearer} not-a-token` },
    });
    expect(userinfo.status).toBe(401);
    expect(userinfo.headers.get('www-authenticate')).toContain(
      `error="${OAUTH_ERRORS.invalidToken}"`,
    );
    // A scope the API does not accept names the contract's invalid_scope.
    expect(
      (
        (await (
          await tokenEndpoint({
            grant_type: GRANT_TYPES.clientCredentials,
            resource: ORDERS,
            scope: 'not-a-scope',
          })
        ).json()) as { error: string }
      ).error,
    ).toBe(OAUTH_ERRORS.invalidScope);
    // JWT access tokens are introspected like any other (their client may ask about them).
    const jwt = (await getToken(clientCredentials(worker, { resource: ORDERS }))).accessToken;
    const introspection = await fetch(issuer.metadata.introspection_endpoint!, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${worker.clientId}:${secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: jwt }),
    });
    expect(((await introspection.json()) as { active: boolean }).active).toBe(true);
  });
});
