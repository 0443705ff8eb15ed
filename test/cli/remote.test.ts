// What only the CLI with --url does: getting its token (and failing to, in one line that says what
// to check), refusing what needs the store itself, reaching servers that are not there, not SSO or
// behind TLS, making a change that another writer races, and lifting a lockout through the server.
// The other suites run every command in both modes. No output ever holds the secret or the token.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type * as oidc from 'openid-client';
import { SQLITE_FILE } from '../../adapters/sqlite/sqlite-store.ts';
import { adminApiAudience } from '../../provider/administration/system.ts';
import { authorizationRequest, discover, REDIRECT_URI } from '../support/flows.ts';
import { holdSqliteLock } from '../support/sqlite-lock.ts';
import { freePort, startTestSso, type TestSso } from '../support/sso.ts';
import { startTlsProxy, type TlsProxy } from '../support/tls-proxy.ts';
import { formTo, page, UserAgent } from '../support/user-agent.ts';
import { cliSandboxFor, expectJson, expectOneLineError, type CliResult } from './cli-process.ts';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.ts';

// The CLI is given a store it could not open: nothing here may reach for one.
const cli = cliSandboxFor({ SSO_DATA_DIR: '/dev/null/no-store-with-url' });

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

// A machine client of `sso` registered for its admin API (or, with `api: false`, for nothing).
async function machineClient(sso: TestSso, clientId: string, api = true) {
  const { secret } = await sso.client({
    clientId,
    name: clientId,
    type: 'confidential',
    grantTypes: ['client_credentials'],
    allowedApis: api ? [adminApiAudience(sso.issuer)] : [],
  });
  return { SSO_ADMIN_CLIENT_ID: clientId, SSO_ADMIN_CLIENT_SECRET: secret! };
}

function expectNoneOf(result: CliResult, hidden: readonly string[]): void {
  const output = `${result.stdout}\n${result.stderr}`;
  for (const text of hidden)
    expect({ found: output.includes(text), text }).toEqual({ found: false, text });
}

describe('sso --url: the machine client and its token', () => {
  let sso: TestSso;
  let ci: Record<string, string>;
  let outsider: Record<string, string>;

  beforeAll(async () => {
    sso = await startTestSso();
    ci = await machineClient(sso, 'ci-admin');
    outsider = await machineClient(sso, 'ci-outsider', false);
  });
  afterAll(async () => {
    await sso.stop();
  });

  const run = (args: string[], env: Record<string, string>, stdin?: string) =>
    cli.run(['--url', sso.issuer, ...args], { env, ...(stdin === undefined ? {} : { stdin }) });

  test('with the right client every command goes to the server; the audit log names the client', async () => {
    const audience = 'https://remote-orders.example.com';
    expectJson(await run(['apis', 'add', audience, '--scope', 'orders:read', '--json'], ci));
    expect((await sso.apis.get(audience))?.scopes).toEqual(['orders:read']);
    const [event] = expectJson<{ type: string; actor: string; ip: string }[]>(
      await run(['audit', 'list', '--type', 'api', '--limit', '1', '--json'], ci),
    );
    expect(event).toMatchObject({ type: 'api.create', actor: 'client:ci-admin', ip: '127.0.0.1' });
  });

  test('a wrong secret is one line naming the variables, exit 1, and shows no secret', async () => {
    const wrong = { ...ci, SSO_ADMIN_CLIENT_SECRET: 'not-the-secret-4f1c9a' };
    const result = await run(['users', 'list'], wrong);
    expectOneLineError(
      result,
      1,
      new RegExp(
        `^sso: ${escape(sso.issuer)} refused the credentials of client "ci-admin" \\(SSO_ADMIN_CLIENT_ID\\) \\(invalid_client: client authentication failed\\): check SSO_ADMIN_CLIENT_ID and SSO_ADMIN_CLIENT_SECRET\\n$`,
      ),
    );
    expectNoneOf(result, [wrong.SSO_ADMIN_CLIENT_SECRET, ci.SSO_ADMIN_CLIENT_SECRET!]);
    const unknown = await run(['users', 'list'], { ...ci, SSO_ADMIN_CLIENT_ID: 'nobody-here' });
    expectOneLineError(unknown, 1, /^sso: .* client "nobody-here" .*\(invalid_client: /);
    expectNoneOf(unknown, [ci.SSO_ADMIN_CLIENT_SECRET!]);
  });

  test('a client not registered for the admin API is one line saying how to register it', async () => {
    const result = await run(['clients', 'list'], outsider);
    expectOneLineError(
      result,
      1,
      new RegExp(
        `^sso: client "ci-outsider" \\(SSO_ADMIN_CLIENT_ID\\) may not get tokens for the admin API \\(invalid_target: client may not request tokens for ${escape(adminApiAudience(sso.issuer))}\\): it needs to be registered with --api ${escape(adminApiAudience(sso.issuer))}\\n$`,
      ),
    );
    expectNoneOf(result, [outsider.SSO_ADMIN_CLIENT_SECRET!]);
  });

  test('with SSO_ADMIN_SCOPE=admin:read it reads, and a change is one line that changes nothing', async () => {
    const reader = { ...ci, SSO_ADMIN_SCOPE: 'admin:read' };
    expect(expectJson<unknown[]>(await run(['keys', 'list', '--json'], reader)).length).toBe(2);
    const audience = 'https://read-only-refused.example.com';
    const refused = await run(['apis', 'add', audience, '--scope', 'x'], reader);
    expectOneLineError(
      refused,
      1,
      /^sso: client "ci-admin" \(SSO_ADMIN_CLIENT_ID\) has a token for admin:read only: this needs the scope admin:write \(see SSO_ADMIN_SCOPE\)\n$/,
    );
    expect(await sso.apis.get(audience)).toBeUndefined();
    expectOneLineError(
      await run(['keys', 'list'], { ...ci, SSO_ADMIN_SCOPE: 'admin:everything' }),
      1,
      /^sso: invalid configuration: SSO_ADMIN_SCOPE must be admin:read, admin:write or both, space-separated \(got "admin:everything"\)\n$/,
    );
  });

  test('without SSO_ADMIN_CLIENT_ID or SSO_ADMIN_CLIENT_SECRET it is a usage error naming them', async () => {
    const needs = (names: string) =>
      new RegExp(
        `^sso: --url needs ${names} set: the id and secret of a machine client registered for ${escape(adminApiAudience(sso.issuer))} \\(see "sso --help"\\)\\n$`,
      );
    expectOneLineError(
      await run(['users', 'list'], {}),
      2,
      needs('SSO_ADMIN_CLIENT_ID and SSO_ADMIN_CLIENT_SECRET'),
    );
    expectOneLineError(
      await run(['users', 'list'], { SSO_ADMIN_CLIENT_ID: 'ci-admin' }),
      2,
      needs('SSO_ADMIN_CLIENT_SECRET'),
    );
    const secretOnly = await run(['users', 'list'], {
      SSO_ADMIN_CLIENT_SECRET: ci.SSO_ADMIN_CLIENT_SECRET!,
    });
    expectOneLineError(secretOnly, 2, needs('SSO_ADMIN_CLIENT_ID'));
    expectNoneOf(secretOnly, [ci.SSO_ADMIN_CLIENT_SECRET!]);
  });

  test('the commands that work on the store itself are refused (exit 2) and change nothing', async () => {
    const keyFile = join(sso.config.dataDir, 'master.key');
    const before = await readFile(keyFile, 'utf8');
    for (const [args, path] of [
      [['keys', 'rewrap', '--generate'], 'sso keys rewrap'],
      [['store', 'migrate'], 'sso store migrate'],
      [['store', 'copy', '--to', '/tmp/never-made-by-sso'], 'sso store copy'],
    ] as const) {
      expectOneLineError(
        await run([...args], ci),
        2,
        new RegExp(
          `^sso: "${path}" runs where the store is, not through --url: run it without --url, with the store's settings \\(SSO_DATA_DIR or MONGODB_URI\\)\\n$`,
        ),
      );
    }
    expect(await readFile(keyFile, 'utf8')).toBe(before);
    // It needs no store and no server: it works with --url too, even without a client.
    const key = await run(['keys', 'master-key'], {});
    expect(key).toMatchObject({ code: 0, stderr: '' });
    expect(key.stdout).toMatch(/^[\w-]{43}\n$/);
  });

  test('--url goes before the group, once, with an https issuer URL; --url=URL works too', async () => {
    expect(
      expectJson<unknown[]>(
        await cli.run([`--url=${sso.issuer}`, 'keys', 'list', '--json'], { env: ci }),
      ),
    ).toHaveLength(2);
    const usage = async (args: string[], pattern: RegExp) =>
      expectOneLineError(await cli.run(args, { env: ci }), 2, pattern);
    await usage(
      ['users', 'list', '--url', sso.issuer],
      /^sso: --url goes before the group: "sso --url URL users list …"\n$/,
    );
    await usage(['--url'], /^sso: --url needs the URL of an SSO server \(its issuer\)/);
    await usage(
      ['--url', 'users', 'list'],
      /^sso: --url must be an absolute URL like https:\/\/sso\.example\.com \(got "users"\)\n$/,
    );
    await usage(
      ['--url', sso.issuer, '--url', sso.issuer, 'users', 'list'],
      /^sso: option --url is given more than once\n$/,
    );
    await usage(
      ['--url', 'sso.example.com', 'users', 'list'],
      /^sso: --url must be an absolute URL like https:\/\/sso\.example\.com \(got "sso\.example\.com"\)\n$/,
    );
    await usage(
      ['--url', 'http://sso.example.com', 'users', 'list'],
      /^sso: --url must be https \(http only on localhost, 127\.0\.0\.1 or \[::1\]\): the client secret goes there \(got "http:\/\/sso\.example\.com\/"\)\n$/,
    );
    const withPassword = await cli.run(
      ['--url', 'https://ci:hunter2@sso.example.com', 'users', 'list'],
      { env: ci },
    );
    expectOneLineError(withPassword, 2, /^sso: --url must not hold credentials: /);
    expectNoneOf(withPassword, ['hunter2']);
    await usage(
      ['--url', `${sso.issuer}/?x=1`, 'users', 'list'],
      /^sso: --url is the issuer URL, without a query or fragment/,
    );
    await usage(['--url', sso.issuer], /^sso: missing command \(see "sso --help"\)\n$/);
  });

  test('while the server cannot reach its store: one line, "store unavailable", exit 1', async () => {
    const lock = await holdSqliteLock(join(sso.config.dataDir, SQLITE_FILE));
    try {
      expectOneLineError(
        await run(['users', 'list'], ci),
        1,
        /^sso: store unavailable: the identity store is unavailable; try again shortly\n$/,
      );
    } finally {
      await lock.release();
    }
    expect((await run(['users', 'list'], ci)).code).toBe(0);
  });
});

describe('sso --url: servers that are not there, not SSO, or behind TLS', () => {
  let sso: TestSso;
  let ci: Record<string, string>;
  let other: Server;
  let otherOrigin: string;
  const otherAuthorizations: (string | undefined)[] = [];

  beforeAll(async () => {
    sso = await startTestSso();
    ci = await machineClient(sso, 'ci-reach');
    // Not an SSO: no discovery document, an HTML page, or a redirect, by path.
    other = createServer((req, res) => {
      otherAuthorizations.push(req.headers.authorization);
      if (req.url?.startsWith('/page/')) {
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<h1>Welcome</h1>');
      } else if (req.url?.startsWith('/moved/')) {
        res.writeHead(301, { Location: 'https://elsewhere.example.com/' }).end();
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const address = other.address();
    otherOrigin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await sso.stop();
    await new Promise((resolve) => other.close(resolve));
  });

  test('nothing listening: one line, exit 1', async () => {
    const port = await freePort();
    const result = await cli.run(['--url', `http://127.0.0.1:${port}`, 'users', 'list'], {
      env: ci,
    });
    expectOneLineError(
      result,
      1,
      new RegExp(`^sso: cannot reach http://127\\.0\\.0\\.1:${port}: connection refused\\n$`),
    );
    expectNoneOf(result, [ci.SSO_ADMIN_CLIENT_SECRET!]);
  });

  test('a server that is not SSO, or not at that issuer: one line each, exit 1, no secret sent', async () => {
    const answers = {
      [`${otherOrigin}/nothing`]: `^sso: ${escape(otherOrigin)}/nothing is not an SSO server: ${escape(otherOrigin)}/nothing/\\.well-known/openid-configuration answered 404\\n$`,
      [`${otherOrigin}/page`]: `^sso: ${escape(otherOrigin)}/page is not an SSO server: ${escape(otherOrigin)}/page/\\.well-known/openid-configuration is not a discovery document\\n$`,
      [`${otherOrigin}/moved`]: `^sso: ${escape(otherOrigin)}/moved/\\.well-known/openid-configuration answered with a redirect to https://elsewhere\\.example\\.com/: give --url the issuer's own URL\\n$`,
      // The same server under another name than its issuer.
      [sso.issuer.replace('127.0.0.1', 'localhost')]:
        `^sso: ${escape(sso.issuer.replace('127.0.0.1', 'localhost'))} is not the issuer of the server there \\(its issuer is ${escape(sso.issuer)}\\): give that to --url\\n$`,
      [`${sso.issuer}/auth`]: `^sso: ${escape(sso.issuer)}/auth is not an SSO server: ${escape(sso.issuer)}/auth/\\.well-known/openid-configuration answered 404\\n$`,
    };
    for (const [url, pattern] of Object.entries(answers)) {
      const result = await cli.run(['--url', url, 'users', 'list'], { env: ci });
      expectOneLineError(result, 1, new RegExp(pattern));
    }
    expect(otherAuthorizations).toEqual([undefined, undefined, undefined]);
  });

  describe('behind a TLS-terminating proxy', () => {
    let tlsSso: TestSso;
    let proxy: TlsProxy;
    let env: Record<string, string>;

    beforeAll(async () => {
      const port = await freePort();
      tlsSso = await startTestSso({ publicOrigin: `https://localhost:${port}` });
      proxy = await startTlsProxy(port, tlsSso.listenUrl);
      env = await machineClient(tlsSso, 'ci-tls');
    });
    afterAll(async () => {
      await proxy.stop();
      await tlsSso.stop();
    });

    test('a certificate the CLI does not trust is one line; trusted, the CLI works over https', async () => {
      const untrusted = await cli.run(['--url', tlsSso.issuer, 'users', 'list'], { env });
      expectOneLineError(
        untrusted,
        1,
        new RegExp(
          `^sso: cannot reach ${escape(tlsSso.issuer)}: TLS failed \\(DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate\\); NODE_EXTRA_CA_CERTS can name a CA file to trust\\n$`,
        ),
      );
      const trusted = await cli.run(['--url', tlsSso.issuer, 'keys', 'list', '--json'], {
        env: { ...env, NODE_EXTRA_CA_CERTS: proxy.caFile },
      });
      expect(expectJson<unknown[]>(trusted)).toHaveLength(2);
    });
  });
});

describe('sso --url: what goes over the wire', () => {
  let sso: TestSso;
  let proxy: RecordingProxy;
  let ci: Record<string, string>;

  beforeAll(async () => {
    const port = await freePort();
    sso = await startTestSso({ publicOrigin: `http://127.0.0.1:${port}` });
    proxy = await startRecordingProxy(port, sso.listenUrl);
    ci = await machineClient(sso, 'ci-wire');
  });
  afterAll(async () => {
    await proxy.close();
    await sso.stop();
  });

  // Runs the CLI through the proxy, which awaits `before` ahead of each request it forwards;
  // answers the result and the requests the run made.
  const run = async (
    args: string[],
    { env = {}, before }: { env?: Record<string, string>; before?: RecordingProxy['before'] } = {},
  ) => {
    const from = proxy.seen.length;
    proxy.before = before;
    try {
      const result = await cli.run(['--url', sso.issuer, ...args], { env: { ...ci, ...env } });
      return { result, seen: proxy.seen.slice(from) };
    } finally {
      proxy.before = undefined;
    }
  };
  const admin = (path: string) => `/admin/api${path}`;

  test('one discovery and one token per run; neither the secret nor the token in any output, even at debug level', async () => {
    await sso.user({ username: 'dora' });
    const { result, seen } = await run(['users', 'update', 'dora', '--name', 'Dora', '--json'], {
      env: { SSO_LOG_LEVEL: 'debug' },
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ username: 'dora', name: 'Dora' });
    const id = (await sso.accounts.findByLogin('dora'))!.id;
    expect(seen.map(({ method, path }) => `${method} ${path}`)).toEqual([
      'GET /.well-known/openid-configuration',
      'POST /token',
      `GET ${admin('/users?search=dora&limit=200')}`,
      `GET ${admin(`/users/${id}`)}`,
      `PATCH ${admin(`/users/${id}`)}`,
    ]);
    const tokens = new Set(seen.slice(2).map((each) => each.authorization));
    expect(tokens.size).toBe(1);
    const [bearer] = [...tokens];
    expect(bearer).toMatch(/^Bearer \S+$/);
    // The debug log says what was asked, never with what.
    expect(result.stderr).toContain('"msg":"admin API request"');
    expectNoneOf(result, [
      ci.SSO_ADMIN_CLIENT_SECRET!,
      bearer!.slice('Bearer '.length),
      seen[1]!.authorization!.slice('Basic '.length),
    ]);
  });

  test('a change without a version is read, then written with If-Match; after another writer, both again, and both changes kept', async () => {
    const { id } = await sso.user({ username: 'bea' });
    let raced = false;
    const { result, seen } = await run(['users', 'update', 'bea', '--name', 'Bea'], {
      // Another writer's change, made just before the CLI's first write.
      before: async (request) => {
        if (request.method === 'PATCH' && !raced) {
          raced = true;
          await sso.accounts.update('bea', { groups: ['editors'] });
        }
      },
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^name: +Bea$/m);
    expect(result.stdout).toMatch(/^groups: +editors$/m);
    const calls = seen
      .filter(({ path }) => path.startsWith(admin(`/users/${id}`)))
      .map(({ method, ifMatch }) => `${method}${ifMatch ? ` ${ifMatch}` : ''}`);
    expect(calls).toEqual(['GET', 'PATCH "1"', 'GET', 'PATCH "2"']);
    expect(await sso.accounts.findByLogin('bea')).toMatchObject({
      name: 'Bea',
      groups: ['editors'],
      version: 3,
    });
  });

  test('another writer before every write: it gives up after 5 attempts, in one line, and saves nothing', async () => {
    const { id } = await sso.user({ username: 'cleo' });
    let writes = 0;
    const { result, seen } = await run(['users', 'update', 'cleo', '--name', 'Cleo'], {
      before: async (request) => {
        if (request.method === 'PATCH') {
          writes++;
          await sso.accounts.update('cleo', { groups: [`team-${writes}`] });
        }
      },
    });
    expectOneLineError(
      result,
      1,
      /^sso: user "cleo" was changed by others 5 times while this change was made; try again\n$/,
    );
    expect(
      seen
        .filter(({ method, path }) => method === 'PATCH' && path === admin(`/users/${id}`))
        .map(({ ifMatch }) => ifMatch),
    ).toEqual(['"1"', '"2"', '"3"', '"4"', '"5"']);
    const cleo = await sso.accounts.findByLogin('cleo');
    expect(cleo).toMatchObject({ groups: ['team-5'], version: 6 });
    expect(cleo?.name).toBeUndefined();
  });
});

describe('sso --url users unlock', () => {
  let sso: TestSso;
  let config: oidc.Configuration;
  let ci: Record<string, string>;

  beforeAll(async () => {
    sso = await startTestSso({
      env: { SSO_LOGIN_DELAY_AFTER: '100', SSO_LOGIN_LOCKOUT_AFTER: '3' },
    });
    const web = await sso.client({
      type: 'confidential',
      name: 'Web',
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    });
    config = await discover(sso.issuer, web.clientId, web.secret);
    ci = await machineClient(sso, 'ci-unlock');
  });
  afterAll(async () => {
    await sso.stop();
  });

  test('lifts a real lockout of the sign-in page, through the server', async () => {
    const user = await sso.user({ username: 'forgetful' });
    const agent = new UserAgent({
      ssoOrigin: new URL(sso.issuer).origin,
      localAddress: '127.0.0.13',
    });
    const attempt = async (password: string) => {
      const loginPage = page(await agent.open((await authorizationRequest(config)).url.href));
      return agent.submit(formTo(loginPage, '/login'), { login: 'forgetful', password });
    };
    for (let i = 0; i < 3; i++) await attempt('wrong-password');
    expect(page(await attempt(user.password)).status).toBe(429);
    const result = await cli.run(['--url', sso.issuer, 'users', 'unlock', 'forgetful', '--json'], {
      env: ci,
    });
    expect(expectJson(result)).toEqual({
      username: 'forgetful',
      lifted: true,
      addressLifted: false,
    });
    expect('left' in (await attempt(user.password))).toBe(true);
  });
});
