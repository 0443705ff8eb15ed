// Secrets on disk, as someone who copies the data directory or a database dump would find them:
// private signing keys, cookie keys and client secrets must not be readable without the master
// key, a wrong or missing key must stop start-up with one line, and the key can be changed.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { SQLITE_FILE, openSqliteStore } from '../../adapters/sqlite/sqlite-store.ts';
import { loadConfig } from '../../provider/config.ts';
import { masterKeyFrom, newMasterKeyText } from '../../provider/keys/master-key.ts';
import {
  Sealer,
  resealAll,
  sealSecrets,
  sealedKeyIdOf,
} from '../../provider/keys/secrets-at-rest.ts';
import { createLogger } from '../../provider/log.ts';
import { startServices } from '../../provider/services.ts';
import { cliSandbox, cliSandboxFor, expectJson, type CliSandbox } from '../cli/cli-process.ts';
import { discover } from '../support/flows.ts';
import { describeIfMongo, mongoTestClient } from '../support/mongodb-server.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

// Starts `provider/main.ts` with `env` and answers how it ended, if it ended within 20 s.
function startService(
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['provider/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      SSO_PORT: '0',
      SSO_HOST: '127.0.0.1',
      SSO_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill();
      resolve({ code: null, stderr });
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

// Every byte the embedded store keeps on disk.
async function storeBytes(dataDir: string): Promise<string> {
  const parts = await Promise.all(
    [SQLITE_FILE, `${SQLITE_FILE}-wal`].map((file) =>
      readFile(join(dataDir, file)).catch(() => Buffer.alloc(0)),
    ),
  );
  return Buffer.concat(parts).toString('latin1');
}

describe('secrets at rest: the embedded store', () => {
  let sso: TestSso;
  let client: { clientId: string; secret: string | undefined };

  const totpSecret = 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU';

  beforeAll(async () => {
    sso = await startTestSso();
    client = await sso.client({ type: 'confidential', grantTypes: ['client_credentials'] });
    // A person with an authenticator app: its shared secret is a secret too.
    const person = await sso.user({ username: 'totp-holder' });
    const account = (await sso.accounts.get(person.id))!;
    await sso.store.accounts.replace({ ...account, totp: { secret: totpSecret, confirmedAt: 1 } });
  });
  afterAll(async () => {
    await sso.stop();
  });

  test('the data directory, the database and the key file are private, and no secret is in the clear', async () => {
    const { dataDir } = sso.config;
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dataDir, SQLITE_FILE))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'master.key'))).mode & 0o777).toBe(0o600);
    const signing = (await sso.store.keySets.get('signing'))!;
    const cookie = (await sso.store.keySets.get('cookie'))!;
    const secrets = [
      client.secret!,
      totpSecret,
      ...signing.keys.map((key) => String(key.jwk.d)),
      ...cookie.keys.map((key) => String(key.jwk.k)),
    ];
    expect(secrets.every((secret) => secret.length >= 32)).toBe(true);
    const bytes = await storeBytes(dataDir);
    expect(bytes).toContain('sso:enc:v1:');
    for (const secret of secrets) expect(bytes.includes(secret)).toBe(false);
    // …while the service itself works with them.
    expect((await sso.accounts.findByLogin('totp-holder'))?.totp?.secret).toBe(totpSecret);
    const config = await discover(sso.issuer, client.clientId, client.secret);
    expect((await oidc.clientCredentialsGrant(config)).access_token).toBeTruthy();
  });
});

describe('secrets at rest: the master key', () => {
  let cli: CliSandbox;

  beforeAll(async () => {
    cli = await cliSandbox();
    await cli.withServices(async ({ clients }) => {
      await clients.create({
        clientId: 'keeper',
        type: 'confidential',
        grantTypes: ['client_credentials'],
      });
    });
  });
  afterAll(async () => {
    await cli.dispose();
  });

  test('a wrong key, or a missing key file, stops start-up with one line', async () => {
    const wrong = await startService({
      SSO_DATA_DIR: cli.dataDir,
      SSO_MASTER_KEY: newMasterKeyText(),
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /^sso: invalid configuration: SSO_MASTER_KEY does not open this store's secrets \(they are sealed with master key [\w-]{11}; this is [\w-]{11}\): use the key the store was set up with\n$/,
    );
    const keyFile = join(cli.dataDir, 'master.key');
    const saved = await readFile(keyFile, 'utf8');
    await unlink(keyFile);
    try {
      const missing = await startService({ SSO_DATA_DIR: cli.dataDir });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(
        /^sso: invalid configuration: SSO_MASTER_KEY is not set and .*master\.key is missing, but this store's secrets are sealed \(master key [\w-]{11}\): restore the key file or set SSO_MASTER_KEY\n$/,
      );
    } finally {
      await writeFile(keyFile, saved, { mode: 0o600 });
    }
    const invalid = await startService({ SSO_DATA_DIR: cli.dataDir, SSO_MASTER_KEY: 'short' });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(
      /^sso: invalid configuration: SSO_MASTER_KEY must be 32 random bytes in base64/,
    );
  });

  test('"sso keys rewrap --generate" seals everything with a new key file while a server keeps working', async () => {
    const sso = await startTestSso({ env: { SSO_DATA_DIR: cli.dataDir } });
    try {
      const worker = await sso.client({ type: 'confidential', grantTypes: ['client_credentials'] });
      const config = await discover(sso.issuer, worker.clientId, worker.secret);
      expect((await oidc.clientCredentialsGrant(config)).access_token).toBeTruthy();
      const before = masterKeyFrom(await readFile(join(cli.dataDir, 'master.key'), 'utf8')).id;

      const rewrap = expectJson<{ from: string; to: string; records: number }>(
        await cli.run(['keys', 'rewrap', '--generate', '--json']),
      );
      expect(rewrap.from).toBe(before);
      expect(rewrap.to).not.toBe(before);
      expect(rewrap.records).toBe(6); // two clients, SSO's two page clients, two key sets
      expect(masterKeyFrom(await readFile(join(cli.dataDir, 'master.key'), 'utf8')).id).toBe(
        rewrap.to,
      );
      const raw = openSqliteStore(cli.dataDir);
      try {
        expect(await sealedKeyIdOf(raw)).toBe(rewrap.to);
      } finally {
        await raw.close();
      }
      // The running server adopts the new key file when it meets a secret sealed with it.
      expect((await oidc.clientCredentialsGrant(config)).access_token).toBeTruthy();
      const [event] = await sso.audit.list({ type: 'keys.rewrap', limit: 1 });
      expect(event).toMatchObject({ details: { from: before, to: rewrap.to, records: 6 } });
    } finally {
      await sso.stop();
    }
    // And a fresh start opens it.
    const users = await cli.run(['clients', 'show', 'keeper', '--json']);
    expect(users.code).toBe(0);
  });

  test('an interrupted rewrap is finished with --resume, and the service starts meanwhile', async () => {
    // The state a crash leaves: every secret sealed with the new key (master.key.next), the key
    // file still holding the old one.
    const next = newMasterKeyText();
    const config = loadConfig({ SSO_DATA_DIR: cli.dataDir, SSO_LOG_LEVEL: 'silent' });
    const raw = openSqliteStore(cli.dataDir);
    try {
      const current = masterKeyFrom(await readFile(join(cli.dataDir, 'master.key'), 'utf8'));
      const sealer = new Sealer(masterKeyFrom(next), [current]);
      expect(await resealAll(raw, sealSecrets(raw, sealer), sealer)).toBeGreaterThan(0);
      await writeFile(join(cli.dataDir, 'master.key.next'), `${next}\n`, { mode: 0o600 });
      const services = await startServices(config, raw, createLogger('silent'));
      expect((await services.clients.get('keeper'))?.metadata.client_secret).toEqual(
        expect.any(String),
      );
    } finally {
      await raw.close();
    }
    const resumed = expectJson<{ to: string }>(
      await cli.run(['keys', 'rewrap', '--resume', '--json']),
    );
    expect(resumed.to).toBe(masterKeyFrom(next).id);
    expect(masterKeyFrom(await readFile(join(cli.dataDir, 'master.key'), 'utf8')).id).toBe(
      resumed.to,
    );
    await expect(stat(join(cli.dataDir, 'master.key.next'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect((await cli.run(['keys', 'rewrap', '--resume'])).stderr).toMatch(/no interrupted rewrap/);
  });

  test('a store an older version wrote in the clear is sealed at start-up', async () => {
    const dir = await cliSandbox();
    try {
      const raw = openSqliteStore(dir.dataDir);
      await raw.migrate();
      const now = Date.now();
      await raw.clients.create({
        clientId: 'old-app',
        metadata: {
          client_id: 'old-app',
          client_secret: 'a-secret-written-in-the-clear-by-an-old-version',
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: 'client_secret_basic',
        },
        firstParty: false,
        allowedApis: [],
        createdAt: now,
        updatedAt: now,
        version: 1,
      });
      await raw.close();
      await dir.withServices(async ({ clients }) => {
        expect((await clients.get('old-app'))?.metadata.client_secret).toBe(
          'a-secret-written-in-the-clear-by-an-old-version',
        );
      });
      const bytes = await storeBytes(dir.dataDir);
      expect(bytes.includes('a-secret-written-in-the-clear-by-an-old-version')).toBe(false);
    } finally {
      await dir.dispose();
    }
  });
});

describeIfMongo('secrets at rest: MongoDB', () => {
  test('needs SSO_MASTER_KEY, and keeps no secret in the clear', async () => {
    const sso = await startTestSso({ backend: 'mongodb' });
    try {
      const refused = await startService({ MONGODB_URI: sso.storeEnv.MONGODB_URI! });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /^sso: invalid configuration: SSO_MASTER_KEY is required with MONGODB_URI/,
      );
      const worker = await sso.client({ type: 'confidential', grantTypes: ['client_credentials'] });
      const signing = (await sso.store.keySets.get('signing'))!;
      const client = await mongoTestClient();
      try {
        const db = client.db(new URL(sso.storeEnv.MONGODB_URI!).pathname.slice(1));
        const dump = JSON.stringify([
          await db.collection('clients').find().toArray(),
          await db.collection('key_sets').find().toArray(),
        ]);
        expect(dump).toContain('sso:enc:v1:');
        expect(dump.includes(worker.secret!)).toBe(false);
        for (const key of signing.keys) expect(dump.includes(String(key.jwk.d))).toBe(false);
      } finally {
        await client.close();
      }
      // Changing the key: the CLI with the current key rewraps with a new one from stdin; then the
      // old key is refused and the new one opens the store.
      const newKey = newMasterKeyText();
      const rewrap = await cliSandboxFor(sso.storeEnv).run(
        ['keys', 'rewrap', '--new-key-stdin', '--json'],
        {
          stdin: `${newKey}\n`,
        },
      );
      // The worker, SSO's two page clients (console, account), two key sets.
      expect(expectJson<{ records: number }>(rewrap).records).toBe(5);
      const old = await startService({ ...sso.storeEnv });
      expect(old.stderr).toMatch(/does not open this store's secrets/);
      const opened = await cliSandboxFor({ ...sso.storeEnv, SSO_MASTER_KEY: newKey }).run([
        'clients',
        'show',
        worker.clientId,
        '--json',
      ]);
      expect(opened.code).toBe(0);
    } finally {
      await sso.stop();
    }
  });
});
