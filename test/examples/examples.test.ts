// The examples, run the way examples/README.md says: a real SSO process on a fresh data directory,
// a user added with the CLI, examples/register.sh (twice: it must be safe to run again) writing a
// private .env, the API and the web app started as real servers with `node --env-file`, and the
// worker run as a real command. A scripted browser signs in to the web app.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import {
  clientCredentials,
  createClient,
  discoverIssuer,
  getToken,
} from '../../client-sdk/node/src/index.ts';
import { signIn } from '../support/flows.ts';
import { freePort } from '../support/sso.ts';
import { formTo, left, page, UserAgent } from '../support/user-agent.ts';
import { childEnv, ROOT, run, start, stopAll, waitForHttp, type Finished } from './processes.ts';

const AUDIENCE = 'https://api.example.com/orders';
const OTHER_AUDIENCE = 'https://other.example.test';
const ALICE = { login: 'alice', password: 'correct horse battery staple' };
const SECRETS = ['WEB_CLIENT_SECRET', 'WEB_SESSION_SECRET', 'WORKER_CLIENT_SECRET'];

describe('examples', () => {
  let dir: string;
  let issuer: string;
  let webUrl: string;
  let apiUrl: string;
  let envFile: string;
  let storeEnv: NodeJS.ProcessEnv;
  let aliceId: string;
  /** The two runs of register.sh, and the .env each one wrote. */
  const registrations: { result: Finished; settings: Record<string, string | undefined> }[] = [];

  // `npm run sso -- …`, exactly as the README has it, on the SSO's store.
  const sso = (args: string[], stdin?: string) =>
    run('npm', ['run', '--silent', 'sso', '--', ...args], storeEnv, stdin);

  // The worker example, with `extra` settings taking precedence over the .env file.
  const worker = (extra: Record<string, string> = {}) =>
    run(process.execPath, [`--env-file=${envFile}`, 'examples/worker.ts'], childEnv(extra));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sso-examples-'));
    envFile = join(dir, 'examples.env');
    const ssoPort = await freePort();
    issuer = `http://127.0.0.1:${ssoPort}`;
    webUrl = `http://127.0.0.1:${await freePort()}`;
    apiUrl = `http://127.0.0.1:${await freePort()}`;
    storeEnv = childEnv({ SSO_DATA_DIR: join(dir, 'data'), SSO_LOG_LEVEL: 'warn' });

    const server = start('SSO', ['provider/main.ts'], {
      ...storeEnv,
      SSO_PORT: String(ssoPort),
      SSO_HOST: '127.0.0.1',
      SSO_ISSUER: issuer,
    });
    await waitForHttp(server, `${issuer}/healthz`);

    const added = await sso(
      [
        ...['users', 'add', 'alice', '--email', 'alice@example.com', '--email-verified'],
        ...['--name', 'Alice <Liddell> & Co', '--password-stdin', '--json'],
      ],
      `${ALICE.password}\n`,
    );
    expect(added).toMatchObject({ code: 0, stderr: '' });
    aliceId = (JSON.parse(added.stdout) as { id: string }).id;

    const registerEnv = {
      ...storeEnv,
      SSO_ISSUER: issuer,
      WEB_APP_URL: webUrl,
      ORDERS_API_URL: apiUrl,
      EXAMPLES_ENV_FILE: envFile,
    };
    for (let round = 0; round < 2; round++) {
      const result = await run(join(ROOT, 'examples/register.sh'), [], registerEnv);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      registrations.push({ result, settings: parseEnv(await readFile(envFile, 'utf8')) });
    }

    const api = start('API example', [`--env-file=${envFile}`, 'examples/api.ts'], childEnv({}));
    const web = start('web example', [`--env-file=${envFile}`, 'examples/web.ts'], childEnv({}));
    await Promise.all([waitForHttp(api, `${apiUrl}/orders`), waitForHttp(web, `${webUrl}/`)]);
  }, 60_000);

  afterAll(async () => {
    await stopAll();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('register.sh writes ids and secrets to a private .env, prints no secret, and can run again', async () => {
    const [first, second] = registrations;
    expect(first!.result.stdout).toContain(
      `API ${AUDIENCE}: registered with scopes orders:read orders:write.`,
    );
    expect(first!.result.stdout).toContain(
      `Client example-web (the web app): registered with redirect URI ${webUrl}/callback.`,
    );
    expect(second!.result.stdout).toContain(`API ${AUDIENCE}: already registered, kept.`);
    expect(second!.result.stdout).toContain('Client example-web (the web app): registered afresh');
    expect(second!.result.stdout).toContain(
      'Client example-worker (the worker): registered afresh',
    );

    expect(second!.settings).toEqual({
      SSO_ISSUER: issuer,
      WEB_APP_URL: webUrl,
      ORDERS_API_URL: apiUrl,
      ORDERS_API_AUDIENCE: AUDIENCE,
      WEB_CLIENT_ID: 'example-web',
      WEB_CLIENT_SECRET: expect.stringMatching(/^[\w-]{43}$/),
      WEB_SESSION_SECRET: expect.stringMatching(/^[\w-]{43}$/),
      WORKER_CLIENT_ID: 'example-worker',
      WORKER_CLIENT_SECRET: expect.stringMatching(/^[\w-]{43}$/),
    });
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual(['data', 'examples.env']); // no temporary files

    const output = registrations.map(({ result }) => result.stdout + result.stderr).join('\n');
    for (const { settings } of registrations) {
      for (const name of SECRETS) {
        expect(settings[name]).toMatch(/^[\w-]{43}$/);
        expect(output).not.toContain(settings[name]);
      }
    }
    // The second run issued new secrets.
    for (const name of SECRETS) expect(second!.settings[name]).not.toBe(first!.settings[name]);
  });

  test('the worker calls the API with a client-credentials token and prints the orders', async () => {
    const result = await worker();
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const [status, body] = result.stdout.split('\n');
    expect(status).toBe(`GET ${apiUrl}/orders: 200`);
    expect(JSON.parse(body!)).toEqual({
      caller: 'example-worker',
      orders: expect.arrayContaining([expect.objectContaining({ item: 'green tea' })]),
    });
  });

  test('the worker exits with status 1 and one line when SSO refuses it', async () => {
    // The first registration's secret, replaced by the second run of register.sh.
    const result = await worker({
      WORKER_CLIENT_SECRET: registrations[0]!.settings.WORKER_CLIENT_SECRET!,
    });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^worker: SSO_TOKEN_REQUEST_FAILED: .*invalid_client.*\n$/);

    const down = await worker({ ORDERS_API_URL: `http://127.0.0.1:${await freePort()}` });
    expect(down).toMatchObject({ code: 1, stdout: '' });
    expect(down.stderr).toMatch(/^worker: fetch failed: connect ECONNREFUSED [^\n]*\n$/);
  });

  test('the API wants a token for its audience, with the scope each route needs', async () => {
    const settings = registrations[1]!.settings;
    const ssoIssuer = await discoverIssuer(issuer, { allowHttp: true });
    const client = createClient(ssoIssuer, {
      clientId: settings.WORKER_CLIENT_ID!,
      clientSecret: settings.WORKER_CLIENT_SECRET!,
    });
    const token = async (scope: string, resource = AUDIENCE, from = client) =>
      (await getToken(clientCredentials(from, { resource, scope }))).accessToken;
    const call = (method: string, accessToken?: string) =>
      fetch(`${apiUrl}/orders`, {
        method,
        headers: {
          ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        ...(method === 'POST' ? { body: JSON.stringify({ item: 'kettle', quantity: 1 }) } : {}),
      });

    const anonymous = await call('GET');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="orders"');
    expect(await anonymous.json()).toMatchObject({ code: 'SSO_TOKEN_MISSING' });

    const garbage = await call('GET', 'not-a-token');
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="orders", error="invalid_token"/,
    );

    const reader = await token('orders:read');
    expect((await call('GET', reader)).status).toBe(200);
    const cannotWrite = await call('POST', reader);
    expect(cannotWrite.status).toBe(403);
    expect(cannotWrite.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="orders", error="insufficient_scope", .*scope="orders:write"$/,
    );

    const writer = await token('orders:write');
    const cannotRead = await call('GET', writer);
    expect(cannotRead.status).toBe(403);
    expect(cannotRead.headers.get('www-authenticate')).toMatch(/scope="orders:read"$/);
    const created = await call('POST', writer);
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ item: 'kettle', quantity: 1 });

    // A valid token from the same SSO, but for another API.
    expect(
      await sso(['apis', 'add', OTHER_AUDIENCE, '--scope', 'orders:read', '--json']),
    ).toMatchObject({ code: 0 });
    const other = await sso([
      ...['clients', 'add', '--name', 'Other', '--confidential'],
      ...['--api', OTHER_AUDIENCE, '--json'],
    ]);
    expect(other).toMatchObject({ code: 0, stderr: '' });
    const { clientId, clientSecret: client_secret } = JSON.parse(other.stdout) as Record<
      string,
      string
    >;
    const otherClient = createClient(ssoIssuer, {
      clientId: clientId!,
      clientSecret: client_secret!,
    });
    const foreign = await call('GET', await token('orders:read', OTHER_AUDIENCE, otherClient));
    expect(foreign.status).toBe(401);
    expect(foreign.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect(await foreign.json()).toMatchObject({ code: 'SSO_AUDIENCE_MISMATCH' });
  });

  test('the web app signs the user in with the code flow and shows their claims, escaped', async () => {
    const agent = new UserAgent({ ssoOrigin: new URL(issuer).origin });
    const visitor = await agent.request(`${webUrl}/`);
    expect(visitor.status).toBe(200);
    expect(await visitor.text()).toContain('<a href="/login">Sign in</a>');

    const login = await agent.request(`${webUrl}/login`);
    expect(login.status).toBe(302);
    const authorize = new URL(login.headers.get('location')!);
    expect(authorize.href.startsWith(`${issuer}/auth?`)).toBe(true);
    const callback = await signIn(agent, authorize, ALICE);
    expect(callback.href.startsWith(`${webUrl}/callback?`)).toBe(true);
    const back = await agent.request(callback.href);
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe(`${webUrl}/`);

    const home = await agent.request(`${webUrl}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
    const html = await home.text();
    expect(html).toContain('Signed in as <strong>Alice &lt;Liddell&gt; &amp; Co</strong>');
    expect(html).toContain(`<tr><td>sub</td><td>${aliceId}</td></tr>`);
    expect(html).toContain('<tr><td>email</td><td>alice@example.com</td></tr>');
    expect(html).toContain('<tr><td>email_verified</td><td>true</td></tr>');
    expect(html).not.toContain('<Liddell>');
    expect(html).toContain('<form method="post" action="/logout">');

    // Sign out: the app clears its session and sends the browser to SSO, which asks, ends the SSO
    // session and sends it back; signing in again then asks for the password.
    const logout = await agent.request(`${webUrl}/logout`, { method: 'POST' });
    expect(logout.status).toBe(302);
    const confirm = page(await agent.open(logout.headers.get('location')!));
    const signedOut = await agent.submit(
      formTo(confirm, '/session/end/confirm'),
      {},
      { logout: 'yes' },
    );
    expect(left(signedOut).href).toBe(`${webUrl}/`);
    expect(await (await agent.request(`${webUrl}/`)).text()).toContain('You are not signed in.');
    const again = await agent.request(`${webUrl}/login`);
    expect(page(await agent.open(again.headers.get('location')!)).html).toContain(
      'name="password"',
    );
  });
});
