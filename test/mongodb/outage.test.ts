import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { openMongoStore } from '../../adapters/mongodb/mongodb-store.ts';
import { authorizationRequest, discover, REDIRECT_URI } from '../support/flows.ts';
import { describeIfMongo, dropMongoDatabase, mongoTestUri } from '../support/mongodb-server.ts';
import { newMasterKeyText } from '../../provider/keys/master-key.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { page, UserAgent } from '../support/user-agent.ts';

// While MongoDB is unreachable, requests that need it fail fast with 503 and a clear error; when it
// comes back, the service recovers by itself.
describeIfMongo('MongoDB outage and recovery', () => {
  let proxy: TcpProxy;
  let sso: TestSso;
  let dbName: string;
  let basic: string;
  let tokenEndpoint: string;

  beforeAll(async () => {
    const server = new URL(mongoTestUri()!);
    proxy = await startTcpProxy(server.host);
    dbName = `sso_test_outage_${randomBytes(4).toString('hex')}`;
    const store = await openMongoStore(
      `mongodb://${proxy.address}/${dbName}?serverSelectionTimeoutMS=1000`,
      {
        log: { warn: () => undefined },
      },
    );
    await store.migrate();
    sso = await startTestSso({ store, env: { SSO_MASTER_KEY: newMasterKeyText() } });
    await sso
      .client({ type: 'confidential', name: 'Worker', grantTypes: ['client_credentials'] })
      .then((client) => {
        basic = `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`;
      });
    tokenEndpoint = `${sso.issuer}/token`;
  });
  afterAll(async () => {
    proxy.restore();
    await sso?.stop();
    await proxy?.close();
    await dropMongoDatabase(mongoTestUri()!, dbName);
  });

  const tokenRequest = () =>
    fetch(tokenEndpoint, {
      method: 'POST',
      headers: {
        authorization: basic,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: 'grant_type=client_credentials',
    });

  test('503 temporarily_unavailable while the store is down, then recovery', async () => {
    expect((await tokenRequest()).status).toBe(200);
    const web = await sso.client({
      type: 'confidential',
      name: 'Web',
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI],
    });
    const config = await discover(sso.issuer, web.clientId, web.secret);
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const loginPage = page(await agent.open((await authorizationRequest(config)).url.href));

    proxy.cut();

    const started = Date.now();
    const failed = await tokenRequest();
    expect(failed.status).toBe(503);
    expect(await failed.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the identity store is unavailable; try again shortly',
    });
    expect(Date.now() - started).toBeLessThan(5000);

    const health = await fetch(`${sso.issuer}/readyz`, {
      headers: { accept: 'application/json' },
    });
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({
      status: 'unavailable',
      store: 'mongodb',
      error: 'temporarily_unavailable',
      checks: { store: 'unavailable', signingKeys: 'ok' },
    });
    expect((await fetch(`${sso.issuer}/healthz`)).status).toBe(200);

    const again = page(await agent.open(loginPage.url));
    expect(again.status).toBe(503);
    expect(again.html).toContain('temporarily_unavailable');

    // Discovery needs no store and keeps answering.
    expect((await fetch(`${sso.issuer}/.well-known/openid-configuration`)).status).toBe(200);

    proxy.restore();
    let recovered = false;
    for (let i = 0; i < 50 && !recovered; i++) {
      recovered = (await tokenRequest()).status === 200;
      if (!recovered) await sleep(200);
    }
    expect(recovered).toBe(true);
    expect((await fetch(`${sso.issuer}/readyz`)).status).toBe(200);
  });

  test('a hung server (connections open, no answers): 503 within a bounded time, then recovery', async () => {
    expect((await tokenRequest()).status).toBe(200);
    proxy.hang();
    try {
      let started = Date.now();
      const failed = await tokenRequest();
      expect(failed.status).toBe(503);
      expect(await failed.json()).toMatchObject({ error: 'temporarily_unavailable' });
      // Two socket timeouts of 5 s at most: the driver retries a read or write once.
      expect(Date.now() - started).toBeLessThan(12_000);

      started = Date.now();
      const health = await fetch(`${sso.issuer}/readyz`);
      expect(health.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(5000);

      started = Date.now();
      expect((await fetch(`${sso.issuer}/jwks`)).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      proxy.restore();
    }
    let recovered = false;
    for (let i = 0; i < 100 && !recovered; i++) {
      recovered = (await tokenRequest()).status === 200;
      if (!recovered) await sleep(200);
    }
    expect(recovered).toBe(true);
  }, 60_000);
});
