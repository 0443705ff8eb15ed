import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { openMongoStore } from '../../adapters/mongodb/mongodb-store.ts';
import { cliSandbox, type CliSandbox } from '../cli/cli-process.ts';
import { discover } from '../support/flows.ts';
import { describeIfMongo, dropMongoDatabase, mongoTestUri } from '../support/mongodb-server.ts';
import { startTestSso } from '../support/sso.ts';

// A team that started on the embedded store moves to MongoDB (and back) with `sso store copy`:
// people keep their passwords, apps their credentials, relying parties the keys they trust.
describeIfMongo('copying the durable records between the embedded store and MongoDB', () => {
  let embedded: CliSandbox;
  let back: CliSandbox;
  let dbName: string;
  let mongoUri: string;
  let worker: { id: string; secret: string };
  let kids: string[];
  const API = 'https://api.example.test/orders';

  beforeAll(async () => {
    embedded = await cliSandbox();
    back = await cliSandbox();
    dbName = `sso_test_copy_${randomBytes(4).toString('hex')}`;
    mongoUri = `${mongoTestUri()!.replace(/\/?$/, '/')}${dbName}`;

    expect(
      (
        await embedded.run(
          ['users', 'add', 'mia', '--email', 'mia@example.com', '--password-stdin'],
          { stdin: 'mia password 1\n' },
        )
      ).code,
    ).toBe(0);
    expect((await embedded.run(['apis', 'add', API, '--scope', 'orders:read'])).code).toBe(0);
    const added = await embedded.run([
      'clients',
      'add',
      '--name',
      'Worker',
      '--confidential',
      '--grant',
      'client_credentials',
      '--api',
      API,
      '--json',
    ]);
    const created = JSON.parse(added.stdout) as { clientId: string; clientSecret: string };
    worker = { id: created.clientId, secret: created.clientSecret };
    kids = await embedded.withServices(async ({ store }) =>
      (await store.keySets.get('signing'))!.keys.map((key) => key.kid),
    );
  });
  afterAll(async () => {
    await embedded.dispose();
    await back.dispose();
    await dropMongoDatabase(mongoTestUri()!, dbName);
  });

  test('embedded → MongoDB: the same users, clients, APIs and keys work there', async () => {
    const result = await embedded.run(['store', 'copy', '--to', mongoUri, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      copied: { accounts: 1, clients: 1, apis: 1, keySets: 2 },
      alreadyThere: 0,
    });

    const store = await openMongoStore(mongoUri, { log: { warn: () => undefined } });
    // The copy is sealed with the embedded store's master key, which MongoDB then needs.
    const masterKey = (await readFile(join(embedded.dataDir, 'master.key'), 'utf8')).trim();
    const sso = await startTestSso({ store, env: { SSO_MASTER_KEY: masterKey } });
    try {
      expect((await sso.accounts.authenticate('mia@example.com', 'mia password 1'))?.username).toBe(
        'mia',
      );
      const config = await discover(sso.issuer, worker.id, worker.secret);
      const { access_token: token } = await oidc.clientCredentialsGrant(config, {
        scope: 'orders:read',
        resource: API,
      });
      expect(kids).toContain(jose.decodeProtectedHeader(token).kid);
      const published = (await (
        await fetch(config.serverMetadata().jwks_uri!)
      ).json()) as jose.JSONWebKeySet;
      expect(published.keys.map((key) => key.kid).sort()).toEqual([...kids].sort());
    } finally {
      await sso.stop();
    }
  });

  test('running the copy again changes nothing', async () => {
    const again = await embedded.run(['store', 'copy', '--to', mongoUri, '--json']);
    expect(JSON.parse(again.stdout)).toEqual({
      copied: { accounts: 0, clients: 0, apis: 0, keySets: 0 },
      alreadyThere: 5,
    });
  });

  test('MongoDB → embedded: and back again', async () => {
    const masterKey = (await readFile(join(embedded.dataDir, 'master.key'), 'utf8')).trim();
    const result = await back.run(['store', 'copy', '--to', back.dataDir], {
      env: { MONGODB_URI: mongoUri, SSO_MASTER_KEY: masterKey },
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    // Besides the worker and the Orders API: the admin console's and the account page's clients
    // and the admin API, which the server started on MongoDB above registered for itself.
    expect(result.stdout).toBe(
      'Copied 1 users, 3 clients, 2 APIs and 2 key sets to the embedded store.\n',
    );
    await back.withServices(async ({ accounts, clients, store }) => {
      expect(await accounts.authenticate('mia', 'mia password 1')).toBeDefined();
      expect((await clients.get(worker.id))?.metadata.client_secret).toBe(worker.secret);
      expect((await store.keySets.get('signing'))!.keys.map((key) => key.kid)).toEqual(kids);
    });
  });

  test('a target with other keys is refused with one line, and nothing is overwritten', async () => {
    const other = await cliSandbox();
    try {
      await other.withServices(async () => undefined); // a store of its own, with its own keys
      const result = await embedded.run(['store', 'copy', '--to', other.dataDir]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^sso: the target has a master key of its own \([\w-]{11}\); it must be a new, empty store\n$/,
      );
      await other.withServices(async ({ accounts }) => expect(await accounts.list()).toEqual([]));
    } finally {
      await other.dispose();
    }
  });

  test('store migrate is idempotent', async () => {
    expect(await embedded.run(['store', 'migrate'])).toMatchObject({
      code: 0,
      stdout: 'The embedded store is up to date.\n',
    });
    const masterKey = (await readFile(join(embedded.dataDir, 'master.key'), 'utf8')).trim();
    expect(
      await embedded.run(['store', 'migrate'], {
        env: { MONGODB_URI: mongoUri, SSO_MASTER_KEY: masterKey },
      }),
    ).toMatchObject({
      code: 0,
      stdout: 'The MongoDB store is up to date.\n',
    });
  });
});
