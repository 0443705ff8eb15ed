// Thousands of generated malformed requests at every endpoint (fast-check): odd methods, headers,
// parameters repeated or huge or not UTF-8, bodies that are not what their type says, real values
// mixed with garbage so that requests get past the first checks. Whatever arrives: no 5xx, no stack
// trace, errors in the shape their caller expects, and memory flat.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { request } from 'node:http';
import { isProgramPath } from '../../provider/http/program-paths.ts';
import { authorizationRequest, discover, REDIRECT_URI } from '../support/flows.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { page, UserAgent } from '../support/user-agent.ts';

interface FuzzRequest {
  method: string;
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  body: Buffer | undefined;
}

interface Answer {
  status: number;
  type: string;
  body: string;
}

const RUNS = Number(process.env.SSO_FUZZ_RUNS ?? 2500);

// Sends exactly what was generated (fetch would normalise or refuse some of it).
function send(base: URL, req: FuzzRequest): Promise<Answer> {
  const search = req.query.map(([k, v]) => `${k}=${v}`).join('&');
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: base.hostname,
        port: base.port,
        method: req.method,
        path: `${req.path}${search ? `?${search}` : ''}`,
        headers: { ...req.headers, ...(req.body ? { 'content-length': req.body.length } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

describe('fuzzing every endpoint', () => {
  let sso: TestSso;
  let known: {
    clientId: string;
    secret: string;
    redirectUri: string;
    uid: string;
    username: string;
    accessToken: string;
    cookie: string;
  };

  beforeAll(async () => {
    // Limits off, so that requests reach the code behind them.
    sso = await startTestSso({
      env: {
        SSO_RATE_LIMIT_PER_ADDRESS: '0',
        SSO_RATE_LIMIT_PER_CLIENT: '0',
        SSO_AUTHORIZATIONS_PER_ADDRESS: '0',
        SSO_LOGIN_ADDRESS_LIMIT: '0',
        SSO_DEVICE_CODE_LIMIT: '0',
      },
    });
    const user = await sso.user({ username: 'fuzzy' });
    await sso.api({ audience: 'https://api.example.test/fuzz', scopes: ['fuzz:read'] });
    const web = await sso.client({
      type: 'confidential',
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      redirectUris: [REDIRECT_URI],
      allowedApis: ['https://api.example.test/fuzz'],
    });
    const config = await discover(sso.issuer, web.clientId, web.secret);
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const loginPage = page(await agent.open((await authorizationRequest(config)).url.href));
    const uid = /\/interaction\/([\w-]+)/.exec(loginPage.url)?.[1] ?? 'none';
    const token = (await import('openid-client')).clientCredentialsGrant(config);
    known = {
      clientId: web.clientId,
      secret: web.secret!,
      redirectUri: REDIRECT_URI,
      uid,
      username: user.username,
      accessToken: (await token).access_token,
      cookie: await agent.jar.getCookieString(loginPage.url),
    };
  });
  afterAll(async () => {
    await sso.stop();
  });

  const PATHS = [
    '/.well-known/openid-configuration',
    '/.well-known/oauth-authorization-server',
    '/jwks',
    '/auth',
    '/auth/',
    '/request',
    '/token',
    '/token/introspection',
    '/token/revocation',
    '/me',
    '/session/end',
    '/session/end/confirm',
    '/session/end/success',
    '/device',
    '/device/auth',
    '/healthz',
    '/assets/bootstrap.min.css',
    '/assets/../package.json',
    '/interaction/',
  ];
  const PARAMS = [
    'client_id',
    'client_secret',
    'response_type',
    'response_mode',
    'scope',
    'redirect_uri',
    'state',
    'nonce',
    'prompt',
    'max_age',
    'claims',
    'code_challenge',
    'code_challenge_method',
    'code_verifier',
    'grant_type',
    'code',
    'refresh_token',
    'token',
    'token_type_hint',
    'resource',
    'request',
    'request_uri',
    'login_hint',
    'id_token_hint',
    'post_logout_redirect_uri',
    'user_code',
    'device_code',
    'xsrf',
    'login',
    'password',
    'logout',
    'client_assertion',
    'client_assertion_type',
    'acr_values',
    'ui_locales',
    'authorization_details',
  ];

  const junk = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom('', '%', '%zz', '%00', '%ff%fe', '../..', '{"a":', '[]', 'null', '\u0000'),
    fc.nat().map(String),
    fc.integer({ min: 1, max: 6000 }).map((n) => 'x'.repeat(n)),
  );
  const value = () =>
    fc.oneof(
      junk,
      fc.constantFrom(
        known.clientId,
        known.redirectUri,
        known.accessToken,
        known.username,
        'code',
        'openid profile',
        'authorization_code',
        'client_credentials',
        'refresh_token',
        'S256',
        'https://api.example.test/fuzz',
        'urn:ietf:params:oauth:grant-type:device_code',
      ),
    );
  // Percent-encoded, or raw where a request line can carry it (odd `%` sequences included).
  const encoded = (arb: fc.Arbitrary<string>) =>
    fc
      .tuple(arb, fc.boolean())
      .map(([text, raw]) =>
        raw ? text.replace(/[^\x21\x22\x24-\x7e]/gu, encodeURIComponent) : encodeURIComponent(text),
      );
  const params = () =>
    fc.array(fc.tuple(encoded(fc.oneof(fc.constantFrom(...PARAMS), junk)), encoded(value())), {
      maxLength: 8,
    });
  const basic = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const requests = () =>
    fc.record({
      method: fc.constantFrom('GET', 'POST', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH'),
      path: fc.oneof(
        fc.constantFrom(...PATHS),
        fc.constant(`/interaction/${known.uid}`),
        fc.constantFrom('/login', '/confirm', '/abort').map((s) => `/interaction/${known.uid}${s}`),
        junk.map((s) => `/interaction/${encodeURIComponent(s)}/login`),
        junk.map((s) => `/${encodeURIComponent(s)}`),
        junk.map((s) => `/device/${encodeURIComponent(s)}`),
      ),
      query: params(),
      headers: fc.record(
        {
          'content-type': fc.constantFrom(
            'application/x-www-form-urlencoded',
            'application/x-www-form-urlencoded; charset=latin1',
            'application/json',
            'text/plain',
            'multipart/form-data; boundary=x',
            'application/x-www-form-urlencoded; charset=nope',
            '',
          ),
          accept: fc.constantFrom(
            'application/json',
            'text/html',
            'text/html, image/gif, image/jpeg, */*; q=0.2',
            '*/*',
            'application/xml',
          ),
          authorization: fc.oneof(
            fc.constant(basic(known.clientId, known.secret)),
            fc.constant(basic(known.clientId, 'wrong')),
            junk.map((s) => `Basic ${s}`),
            junk.map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
            fc.constant(`Bearer ${known.accessToken}`),
            junk.map((s) => `Bearer ${s}`),
            junk.map((s) => `DPoP ${s}`),
            junk,
          ),
          dpop: junk,
          cookie: fc.oneof(
            fc.constant(known.cookie),
            junk.map((s) => `_session=${s}`),
          ),
          'x-forwarded-for': fc.constantFrom('1.2.3.4', 'nonsense', '::1, 10.0.0.1'),
        },
        { requiredKeys: [] },
      ),
      body: fc.option(
        fc.oneof(
          params().map((pairs) => Buffer.from(pairs.map(([k, v]) => `${k}=${v}`).join('&'))),
          params().map((pairs) => Buffer.from(JSON.stringify(Object.fromEntries(pairs)))),
          fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
        ),
        { nil: undefined },
      ),
    }) as fc.Arbitrary<FuzzRequest>;

  // Header values must be sendable at all (Node refuses control characters before SSO sees them).
  const sendable = (req: FuzzRequest) => {
    for (const [name, v] of Object.entries(req.headers)) {
      if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(v)) delete req.headers[name];
    }
    if (req.method === 'GET' || req.method === 'HEAD') req.body = undefined;
    return req;
  };

  const check = async (req: FuzzRequest) => {
    const base = new URL(sso.listenUrl);
    const answer = await send(base, sendable(req));
    const where = `${req.method} ${req.path}`;
    expect({ where, status: answer.status < 500 }).toEqual({ where, status: true });
    expect(answer.body).not.toMatch(/\n\s+at .+:\d+:\d+|node_modules|TypeError|ReferenceError/);
    if (answer.status >= 400 && /json/.test(answer.type) && req.method !== 'HEAD') {
      const parsed = JSON.parse(answer.body) as { error?: unknown };
      expect({ where, error: typeof parsed.error }).toEqual({ where, error: 'string' });
    }
    if (answer.status >= 400 && req.method !== 'HEAD' && isProgramPath(req.path, '')) {
      expect({ where, type: answer.type }).toEqual({ where, type: expect.stringMatching(/json/) });
    }
  };

  test(`${RUNS} generated requests: no 5xx, no stack trace, standard errors, memory flat`, async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    // Warm up first: caches, compiled code and pools settle.
    await fc.assert(fc.asyncProperty(requests(), check), { numRuns: 300, seed: 7 });
    gc?.();
    const before = process.memoryUsage().heapUsed;
    await fc.assert(fc.asyncProperty(requests(), check), { numRuns: RUNS });
    gc?.();
    const grown = process.memoryUsage().heapUsed - before;
    if (gc) expect(grown).toBeLessThan(32 * 1024 * 1024);
    expect(typeof gc).toBe('function'); // npm test runs node with --expose-gc
  }, 600_000);
});
