import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import * as oidc from 'openid-client';
import { openMongoStore } from '../../adapters/mongodb/mongodb-store.ts';
import type { Store } from '../../adapters/store.ts';
import { loadConfig } from '../../provider/config.ts';
import { createLogger } from '../../provider/log.ts';
import { newMasterKeyText } from '../../provider/keys/master-key.ts';
import { startServices } from '../../provider/services.ts';
import { authorizationRequest, discover, REDIRECT_URI, signIn } from '../support/flows.ts';
import { describeIfMongo, dropMongoDatabase, mongoTestUri } from '../support/mongodb-server.ts';
import { freePort } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';

// Two SSO processes on one MongoDB, behind one public name: a user signs in through one, and the
// code is redeemed, refreshed and introspected through the other. Both start at the same moment on
// an empty database and must end up with one set of keys.
const PUBLIC = 'https://sso.example.test';

describeIfMongo('two SSO instances on one MongoDB', () => {
  let dbName: string;
  let uri: string;
  // Every instance on one MongoDB shares the master key that seals its secrets.
  const masterKey = newMasterKeyText();
  const instances: { process: ChildProcess; url: string; output: string[] }[] = [];

  const start = async () => {
    const port = await freePort();
    const output: string[] = [];
    const child = spawn(process.execPath, ['provider/main.ts'], {
      env: {
        ...process.env,
        MONGODB_URI: uri,
        SSO_MASTER_KEY: masterKey,
        SSO_ISSUER: PUBLIC,
        SSO_TRUST_PROXY: 'true',
        SSO_PORT: String(port),
        SSO_HOST: '127.0.0.1',
        SSO_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const instance = { process: child, url: `http://127.0.0.1:${port}`, output };
    instances.push(instance);
    return instance;
  };

  const healthy = async (url: string) => {
    for (let i = 0; i < 150; i++) {
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await sleep(100);
    }
    throw new Error(`instance at ${url} did not become healthy`);
  };

  // A load balancer that sends a request for the public name to one chosen instance.
  const via = (instance: { url: string }) => (url: URL) => ({
    url: new URL(url.pathname + url.search, instance.url),
    headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': url.host },
  });

  let a: { url: string };
  let b: { url: string };

  beforeAll(async () => {
    dbName = `sso_test_two_${randomBytes(4).toString('hex')}`;
    uri = `${mongoTestUri()!.replace(/\/?$/, '/')}${dbName}`;
    [a, b] = await Promise.all([start(), start()]);
    await Promise.all([healthy(a.url), healthy(b.url)]);
  }, 60_000);

  afterAll(async () => {
    for (const instance of instances) {
      instance.process.kill('SIGTERM');
      await new Promise((resolve) => instance.process.once('exit', resolve));
    }
    await dropMongoDatabase(mongoTestUri()!, dbName);
  });

  test('both publish the same JWKS, created once', async () => {
    const jwks = await Promise.all(
      [a, b].map(async (instance) => {
        const route = via(instance)(new URL(`${PUBLIC}/jwks`));
        return (await (await fetch(route.url, { headers: route.headers })).json()) as {
          keys: { kid: string }[];
        };
      }),
    );
    expect(jwks[0]).toEqual(jwks[1]);
    expect(jwks[0]!.keys).toHaveLength(2);
    let store: Store | undefined;
    try {
      store = await openMongoStore(uri, { log: { warn: () => undefined } });
      const signing = await store.keySets.get('signing');
      expect(signing?.version).toBe(1);
      expect(signing?.keys.map((key) => key.kid).sort()).toEqual(
        jwks[0]!.keys.map((key) => key.kid).sort(),
      );
      expect((await store.keySets.get('cookie'))?.version).toBe(1);
    } finally {
      await store?.close();
    }
  });

  test('sign in through one instance; redeem, refresh and introspect through the other', async () => {
    const store = await openMongoStore(uri, { log: { warn: () => undefined } });
    const services = await startServices(
      loadConfig({ SSO_ISSUER: PUBLIC, SSO_MASTER_KEY: masterKey }),
      store,
      createLogger('silent'),
    );
    let client: { clientId: string; secret: string | undefined };
    let password: string;
    try {
      password = 'correct horse battery staple';
      await services.accounts.create({ username: 'lena' }, password);
      const created = await services.clients.create({
        type: 'confidential',
        name: 'Two Instances',
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: [REDIRECT_URI],
        firstParty: true,
      });
      client = { clientId: created.client.clientId, secret: created.secret };
    } finally {
      await services.close();
    }

    const toB: oidc.CustomFetch = (url, options) => {
      const route = via(b)(new URL(url));
      return fetch(route.url, {
        ...(options as RequestInit),
        headers: { ...options.headers, ...route.headers },
      });
    };
    const config = await discover(PUBLIC, client.clientId, client.secret, { customFetch: toB });
    const request = await authorizationRequest(config, {
      scope: 'openid offline_access',
      prompt: 'consent',
    });
    const browser = new UserAgent({ ssoOrigin: PUBLIC, route: via(a) });
    const callback = await signIn(browser, request.url, { login: 'lena', password });

    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(tokens.claims()!.iss).toBe(PUBLIC);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect((await oidc.tokenIntrospection(config, refreshed.access_token)).active).toBe(true);
  });
});
