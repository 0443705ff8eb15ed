// Errors of the endpoints programs call are OAuth JSON whatever the Accept header says (RFC 6749
// §5.2 token, RFC 7662 introspection, RFC 7009 revocation, RFC 8628 device authorization, RFC 9126
// PAR, RFC 6750 userinfo with WWW-Authenticate). A typical Java HTTP client asks for HTML first; it
// must still get `invalid_grant`, not a page. Only the browser endpoints answer HTML.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { REDIRECT_URI } from '../support/flows.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';

const ACCEPTS = [
  'text/html, image/gif, image/jpeg, */*; q=0.2', // Java's HttpURLConnection
  'text/html',
  'application/xhtml+xml,text/html;q=0.9',
  '*/*',
  'application/json',
  'application/xml',
  undefined,
];

describe('error shapes at the program endpoints', () => {
  let sso: TestSso;
  let basic: string;

  beforeAll(async () => {
    sso = await startTestSso();
    const app = await sso.client({
      type: 'confidential',
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      redirectUris: [REDIRECT_URI],
    });
    basic = `Basic ${Buffer.from(`${app.clientId}:${app.secret}`).toString('base64')}`;
  });
  afterAll(async () => {
    await sso.stop();
  });

  const wrongSecret = () => `Basic ${Buffer.from('nobody:wrong').toString('base64')}`;

  // Each: a request that must fail, and the OAuth error it must fail with.
  const cases: [string, () => { path: string; init: RequestInit }, number, string][] = [
    [
      'token: a code that does not exist',
      () => ({
        path: '/token',
        init: form(
          { authorization: basic },
          'grant_type=authorization_code&code=nope&redirect_uri=x',
        ),
      }),
      400,
      'invalid_grant',
    ],
    [
      'token: a wrong client secret',
      () => ({
        path: '/token',
        init: form({ authorization: wrongSecret() }, 'grant_type=client_credentials'),
      }),
      401,
      'invalid_client',
    ],
    [
      'token: an unknown grant type',
      () => ({ path: '/token', init: form({ authorization: basic }, 'grant_type=password') }),
      400,
      'unsupported_grant_type',
    ],
    [
      'introspection: no token',
      () => ({ path: '/token/introspection', init: form({ authorization: basic }, '') }),
      400,
      'invalid_request',
    ],
    [
      'revocation: a wrong client secret',
      () => ({
        path: '/token/revocation',
        init: form({ authorization: wrongSecret() }, 'token=x'),
      }),
      401,
      'invalid_client',
    ],
    [
      'device authorization: an unknown client',
      () => ({ path: '/device/auth', init: form({}, 'client_id=nobody') }),
      401,
      'invalid_client',
    ],
    [
      'device authorization: no client',
      () => ({ path: '/device/auth', init: form({}, 'scope=openid') }),
      400,
      'invalid_request',
    ],
    [
      'PAR: a redirect URI that is not registered',
      () => ({
        path: '/request',
        init: form(
          { authorization: basic },
          'response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fevil.example.test%2F',
        ),
      }),
      400,
      'invalid_request',
    ],
    ['token endpoint asked with GET', () => ({ path: '/token', init: {} }), 405, 'invalid_request'],
  ];

  function form(headers: Record<string, string>, body: string): RequestInit {
    return {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    };
  }

  describe.each(ACCEPTS)('Accept: %s', (accept) => {
    test.each(cases)('%s', async (_name, make, status, error) => {
      const { path, init } = make();
      const headers = {
        ...(init.headers as Record<string, string>),
        ...(accept ? { accept } : {}),
      };
      const response = await fetch(`${sso.issuer}${path}`, { ...init, headers });
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as { error: string; error_description?: string };
      expect(body.error).toBe(error);
      expect(typeof (body.error_description ?? '')).toBe('string');
    });

    test('userinfo: a bad token is 401 invalid_token in WWW-Authenticate and in JSON', async () => {
      const response = await fetch(`${sso.issuer}/me`, {
        headers: { authorization: 'Bearer not-a-token', ...(accept ? { accept } : {}) },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(
        /^Bearer realm="[^"]+", error="invalid_token"/,
      );
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_token');
    });
  });

  test('the browser endpoints still show people a page', async () => {
    const response = await fetch(`${sso.issuer}/auth?client_id=nobody`, {
      headers: { accept: 'text/html' },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('invalid_client');
  });
});
