// Request limits at the protocol endpoints, attacked the way a flood would: many requests from one
// address, a client's id sent with wrong secrets, a stream of authorization requests that each
// leave a pending sign-in behind. Addresses are real (requests leave from 127.0.0.x).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { stat } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import type * as oidc from 'openid-client';
import { SQLITE_FILE } from '../../adapters/sqlite/sqlite-store.ts';
import { MAX_AUTHORIZATION_REQUEST } from '../../provider/security/endpoint-limits.ts';
import { discover, REDIRECT_URI } from '../support/flows.ts';
import { mongoTestClient } from '../support/mongodb-server.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { fetchFrom } from '../support/user-agent.ts';

// What a typical Java HTTP client sends: HTML first. Back-channel answers are JSON all the same.
const JAVA_ACCEPT = 'text/html, image/gif, image/jpeg, */*; q=0.2';

describeEachBackend('request limits (%s store)', (backend) => {
  let sso: TestSso;
  let worker: { clientId: string; secret: string | undefined };
  let web: oidc.Configuration;
  let tokenEndpoint: string;

  beforeAll(async () => {
    sso = await startTestSso({
      backend,
      env: {
        SSO_RATE_LIMIT_PER_ADDRESS: '20',
        SSO_RATE_LIMIT_PER_CLIENT: '12',
        SSO_AUTHORIZATIONS_PER_ADDRESS: '30',
      },
    });
    worker = await sso.client({ type: 'confidential', grantTypes: ['client_credentials'] });
    const webClient = await sso.client({
      type: 'confidential',
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI],
    });
    web = await discover(sso.issuer, webClient.clientId, webClient.secret);
    tokenEndpoint = web.serverMetadata().token_endpoint!;
  });
  afterAll(async () => {
    await sso.stop();
  });

  const basic = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  const tokenRequest = (from: string, authorization?: string, url = tokenEndpoint) =>
    fetchFrom(from)(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: JAVA_ACCEPT,
        ...(authorization ? { authorization } : {}),
      },
      body: 'grant_type=client_credentials',
    });

  test('per address: the 21st back-channel request gets 429 with Retry-After and OAuth JSON; another address goes on', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await tokenRequest('127.0.0.20', basic('nobody', 'wrong'));
      statuses.push(response.status);
      await response.body?.cancel();
    }
    expect(new Set(statuses)).toEqual(new Set([401]));
    const introspection = web.serverMetadata().introspection_endpoint!;
    for (const url of [tokenEndpoint, introspection]) {
      const refused = await tokenRequest('127.0.0.20', basic('nobody', 'wrong'), url);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(await refused.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: `too many requests; retry after ${retryAfter} seconds`,
      });
    }
    const elsewhere = await tokenRequest('127.0.0.21', basic(worker.clientId, worker.secret!));
    expect(elsewhere.status).toBe(200);
  });

  test('per client: 12 requests from any addresses, then 429; wrong secrets do not spend its allowance', async () => {
    const client = await sso.client({ type: 'confidential', grantTypes: ['client_credentials'] });
    for (let i = 0; i < 15; i++) {
      const forged = await tokenRequest('127.0.0.22', basic(client.clientId, 'not-the-secret'));
      expect(forged.status).toBe(401);
      await forged.body?.cancel();
    }
    const right = basic(client.clientId, client.secret!);
    for (let i = 0; i < 12; i++) {
      const ok = await tokenRequest(`127.0.0.${23 + (i % 3)}`, right);
      expect(ok.status).toBe(200);
      await ok.body?.cancel();
    }
    const refused = await tokenRequest('127.0.0.26', right);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ error: 'temporarily_unavailable' });
    // Other clients are not affected.
    const other = await tokenRequest('127.0.0.26', basic(worker.clientId, worker.secret!));
    expect(other.status).toBe(200);
  });

  test('an authorization flood: 30 pending sign-ins per address, each under 8 KB, the store under 2 MiB more; oversized requests store nothing', async () => {
    const before = await interactions();
    const bytesBefore = await storeBytes();
    const authorize = (state: string) => {
      const url = new URL(web.serverMetadata().authorization_endpoint!);
      url.search = new URLSearchParams({
        client_id: web.clientMetadata().client_id,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: REDIRECT_URI,
        state,
        nonce: 'n'.repeat(500),
      }).toString();
      return fetchFrom('127.0.0.30')(url, { redirect: 'manual', headers: { accept: 'text/html' } });
    };
    const tooBig = await authorize('s'.repeat(MAX_AUTHORIZATION_REQUEST));
    expect(tooBig.status).toBe(414);
    expect(await tooBig.text()).toContain('invalid_request');
    const statuses: Record<number, number> = {};
    for (let i = 0; i < 100; i++) {
      const response = await authorize(`${i}-${'s'.repeat(2800)}`);
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      await response.body?.cancel();
    }
    expect(statuses).toEqual({ 303: 30, 429: 70 });
    const after = await interactions();
    expect(after.count - before.count).toBe(30);
    expect(after.largest).toBeLessThan(8 * 1024);
    // Where the bytes on disk can be read (the embedded store, write-ahead log included).
    if (backend === 'sqlite') expect((await storeBytes()) - bytesBefore).toBeLessThan(2 * 2 ** 20);
  });

  test("instances on one store share the limits (each learns the others' counts when it syncs)", async () => {
    const second = await startTestSso({
      backend,
      sharing: sso,
      env: { SSO_RATE_LIMIT_PER_ADDRESS: '20' },
    });
    try {
      const secondToken = `${second.issuer}/token`;
      for (let i = 0; i < 20; i++) {
        const url = i % 2 ? secondToken : tokenEndpoint;
        const response = await tokenRequest('127.0.0.40', basic('nobody', 'wrong'), url);
        expect(response.status).toBe(401);
        await response.body?.cancel();
      }
      // Each instance counted 10: alone it would allow 10 more. Once both have synced (their timers
      // do it four times a second; here it is done at once), both refuse.
      await sso.limits.sync();
      await second.limits.sync();
      await sso.limits.sync();
      for (const url of [tokenEndpoint, secondToken]) {
        const response = await tokenRequest('127.0.0.40', basic('nobody', 'wrong'), url);
        expect({ url, status: response.status }).toEqual({ url, status: 429 });
      }
    } finally {
      await second.stop();
    }
  });

  // The embedded store's size on disk, database and write-ahead log.
  async function storeBytes(): Promise<number> {
    const sizes = await Promise.all(
      [SQLITE_FILE, `${SQLITE_FILE}-wal`].map((file) =>
        stat(join(sso.config.dataDir, file)).then(
          (s) => s.size,
          () => 0,
        ),
      ),
    );
    return sizes.reduce((a, b) => a + b, 0);
  }

  // How many pending sign-ins the store holds, and the largest, read beside the service.
  async function interactions(): Promise<{ count: number; largest: number }> {
    if (backend === 'sqlite') {
      const db = new DatabaseSync(join(sso.config.dataDir, SQLITE_FILE), { readOnly: true });
      try {
        const row = db
          .prepare(
            "SELECT count(*) AS count, coalesce(max(length(payload)), 0) AS largest FROM oidc_records WHERE model = 'Interaction'",
          )
          .get() as { count: number; largest: number };
        return row;
      } finally {
        db.close();
      }
    }
    const client = await mongoTestClient();
    try {
      const dbName = new URL(sso.storeEnv.MONGODB_URI!).pathname.slice(1);
      const docs = await client
        .db(dbName)
        .collection<{ payload: string }>('oidc_Interaction')
        .find()
        .toArray();
      return { count: docs.length, largest: Math.max(0, ...docs.map((d) => d.payload.length)) };
    } finally {
      await client.close();
    }
  }
});
