// Signing keys as operators meet them: SSO runs as its own process (`node provider/main.ts`), is
// restarted, and a rotation is made with the CLI in yet another process. Everything is observed from
// outside over HTTP: the JWKS and the `kid` of issued tokens. Nothing in the test refreshes the
// server; it picks the rotation up on its own timer (SSO_KEY_REFRESH_INTERVAL).
import { afterEach, expect, test } from '@jest/globals';
import * as jose from 'jose';
import { setTimeout as sleep } from 'node:timers/promises';
import { cliSandboxFor, expectJson } from '../cli/cli-process.ts';
import { freshStoreEnv, startInstance, type Instance } from '../support/instances.ts';
import { describeEachBackend, type Backend } from '../support/sso.ts';

const API = 'https://api.example.test/keys';
// Short token lifetimes, so that retired keys leave the JWKS within the test.
const LIFETIMES = {
  SSO_ID_TOKEN_TTL: '3s',
  SSO_ACCESS_TOKEN_TTL: '3s',
  SSO_API_ACCESS_TOKEN_TTL: '3s',
  SSO_CLIENT_CREDENTIALS_TTL: '3s',
};

describeEachBackend('signing keys across processes (%s store)', (backend: Backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const start = async (env: Record<string, string>) => {
    const instance = await startInstance(env);
    cleanups.push(() => instance.stop());
    return instance;
  };
  // An API and a machine client registered by the CLI; answers a function that gets a token.
  const registerWorker = async (env: Record<string, string>) => {
    const cli = cliSandboxFor(env);
    expect((await cli.run(['apis', 'add', API, '--scope', 'read', '--ttl', '3s'])).code).toBe(0);
    const { clientId, clientSecret: secret } = expectJson<{
      clientId: string;
      clientSecret: string;
    }>(
      await cli.run([
        ...['clients', 'add', '--name', 'Worker', '--confidential'],
        ...['--grant', 'client_credentials', '--api', API, '--json'],
      ]),
    );
    return async (instance: Instance) => {
      const response = await fetch(`${instance.url}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: API }).toString(),
      });
      expect(response.status).toBe(200);
      const { access_token: token } = (await response.json()) as { access_token: string };
      return { token, kid: jose.decodeProtectedHeader(token).kid! };
    };
  };
  const jwks = async (instance: Instance) =>
    ((await (await fetch(`${instance.url}/jwks`)).json()) as jose.JSONWebKeySet).keys;
  const kids = async (instance: Instance) => (await jwks(instance)).map((key) => key.kid!).sort();
  const until = async (check: () => Promise<boolean>, what: string) => {
    for (const started = Date.now(); Date.now() - started < 60_000; await sleep(200)) {
      if (await check()) return;
    }
    throw new Error(`gave up waiting until ${what}`);
  };

  test('a restarted process publishes the same keys, and tokens signed before the restart verify', async () => {
    const env = await freshStoreEnv(backend, 'keys', cleanups);
    const first = await start(env);
    const token = await registerWorker(env);
    const before = await kids(first);
    expect(before).toHaveLength(2);
    const signed = await token(first);
    await first.stop();

    const second = await start(env);
    expect(await kids(second)).toEqual(before);
    const keySet = jose.createLocalJWKSet({ keys: await jwks(second) });
    await expect(
      jose.jwtVerify(signed.token, keySet, { audience: API, clockTolerance: 60 }),
    ).resolves.toBeDefined();
    expect((await token(second)).kid).toBe(signed.kid);
  });

  test('a rotation made by the CLI is published, then signs, then the old keys leave, as seen over HTTP', async () => {
    const env = { ...(await freshStoreEnv(backend, 'keys', cleanups)), ...LIFETIMES };
    const server = await start({ ...env, SSO_KEY_REFRESH_INTERVAL: '1s' });
    const token = await registerWorker(env);
    const old = await kids(server);
    const oldSigner = (await token(server)).kid;

    const rotated = await cliSandboxFor(env).run(['keys', 'rotate', '--activate-after', '10s']);
    expect(rotated.code).toBe(0);

    // Published: four keys, the old one still signing.
    await until(async () => (await kids(server)).length === 4, 'the new keys are published');
    const added = (await kids(server)).filter((kid) => !old.includes(kid));
    expect(added).toHaveLength(2);
    expect((await token(server)).kid).toBe(oldSigner);

    // Signing: a new key signs; the old ones are still published for the tokens they signed.
    await until(async () => added.includes((await token(server)).kid), 'a new key signs');
    expect(await kids(server)).toEqual([...old, ...added].sort());

    // Withdrawn once every token of the old keys has expired (3 s lifetimes here).
    await until(async () => (await kids(server)).length === 2, 'the old keys are withdrawn');
    expect(await kids(server)).toEqual(added.sort());
  });
});
