// kill -9, as a crashed host or an OOM killer would: one of two instances dies in the middle of
// people signing in, and the store must be whole after a process dies in the middle of writes.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as oidc from 'openid-client';
import { SQLITE_FILE } from '../../adapters/sqlite/sqlite-store.ts';
import { newMasterKeyText } from '../../provider/keys/master-key.ts';
import { cliSandboxFor, expectJson } from '../cli/cli-process.ts';
import { codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { balancer, startInstance, type Instance } from '../support/instances.ts';
import { dropMongoDatabase, mongoTestUri } from '../support/mongodb-server.ts';
import { describeEachBackend } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';

const ISSUER = 'http://sso.crash.test';
const USERS = 12;

describeEachBackend('kill -9 (%s store)', (backend) => {
  let dir: string;
  let storeEnv: Record<string, string>;
  let dropDatabase = async () => {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sso-crash-'));
    if (backend === 'mongodb') {
      const dbName = `sso_test_crash_${Date.now().toString(36)}`;
      const uri = new URL(mongoTestUri()!);
      uri.pathname = `/${dbName}`;
      storeEnv = { MONGODB_URI: uri.href, SSO_MASTER_KEY: newMasterKeyText() };
      dropDatabase = () => dropMongoDatabase(mongoTestUri()!, dbName);
    } else {
      storeEnv = { SSO_DATA_DIR: dir };
    }
  });
  afterAll(async () => {
    await dropDatabase();
    await rm(dir, { recursive: true, force: true });
  });

  test('one of two instances is killed in the middle of sign-ins: every user still signs in, retrying', async () => {
    const env = { ...storeEnv, SSO_ISSUER: ISSUER, SSO_RATE_LIMIT_PER_ADDRESS: '0' };
    const instances: Instance[] = await Promise.all([startInstance(env), startInstance(env)]);
    try {
      const cli = cliSandboxFor(storeEnv);
      const client = expectJson<{ clientId: string; clientSecret: string }>(
        await cli.run([
          'clients',
          'add',
          '--confidential',
          '--name',
          'Crash app',
          '--first-party',
          '--redirect-uri',
          REDIRECT_URI,
          '--json',
        ]),
      );
      const people = Array.from({ length: USERS }, (_, i) => ({
        login: `person${i}`,
        password: `password of person ${i}`,
      }));
      for (const person of people) {
        const added = await cli.run(['users', 'add', person.login, '--password-stdin'], {
          stdin: `${person.password}\n`,
        });
        expect(added.code).toBe(0);
      }
      const lb = balancer(instances, ISSUER);
      const viaBalancer = lb.fetch;
      const config = await discover(ISSUER, client.clientId, client.clientSecret, {
        customFetch: viaBalancer as oidc.CustomFetch,
      });

      // Everyone starts signing in; a moment later one instance is killed outright.
      const killed = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 150));
        await instances[0]!.stop('SIGKILL');
      })();
      const attempts: number[] = [];
      const results = await Promise.all(
        people.map(async (person, i) => {
          for (let attempt = 1; attempt <= 3; attempt++) {
            try {
              const agent = new UserAgent({ ssoOrigin: ISSUER, fetch: viaBalancer });
              const { tokens } = await codeFlow(config, agent, person);
              attempts[i] = attempt;
              return tokens.claims()?.sub;
            } catch (error) {
              if (attempt === 3) throw error;
            }
          }
          return undefined;
        }),
      );
      await killed;
      expect(instances[0]!.process.signalCode).toBe('SIGKILL');
      expect(results.filter((sub) => typeof sub === 'string')).toHaveLength(USERS);
      expect(new Set(results).size).toBe(USERS);
      expect(attempts.every((n) => n >= 1 && n <= 3)).toBe(true);
      // The kill hit requests in flight: the balancer had to send some elsewhere.
      expect(lb.failovers()).toBeGreaterThan(0);
    } finally {
      for (const instance of instances) await instance.stop('SIGKILL');
    }
  }, 120_000);

  if (backend === 'sqlite') {
    test('the embedded store passes an integrity check after a kill -9 during writes', async () => {
      const env = { ...storeEnv, SSO_ISSUER: ISSUER, SSO_RATE_LIMIT_PER_ADDRESS: '0' };
      const cli = cliSandboxFor(storeEnv);
      const worker = expectJson<{ clientId: string; clientSecret: string }>(
        await cli.run(['clients', 'add', '--confidential', '--name', 'Writer', '--json']),
      );
      const basic = `Basic ${Buffer.from(`${worker.clientId}:${worker.clientSecret}`).toString('base64')}`;
      const instance = await startInstance({ ...env, SSO_RATE_LIMIT_PER_CLIENT: '0' });
      let issued = 0;
      let stop = false;
      const write = async () => {
        while (!stop) {
          const response = await fetch(`${instance.url}/token`, {
            method: 'POST',
            headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
            body: 'grant_type=client_credentials',
          }).catch(() => undefined);
          if (response?.status === 200) issued++;
          await response?.body?.cancel();
        }
      };
      const writers = Array.from({ length: 8 }, write);
      const deadline = Date.now() + 30_000;
      while (issued < 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(issued).toBeGreaterThanOrEqual(200);
      await instance.stop('SIGKILL');
      stop = true;
      await Promise.all(writers);

      const db = new DatabaseSync(join(dir, SQLITE_FILE));
      try {
        expect(db.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
      } finally {
        db.close();
      }
      const again = await startInstance(env);
      try {
        const response = await fetch(`${again.url}/token`, {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        });
        expect(response.status).toBe(200);
      } finally {
        await again.stop();
      }
    }, 120_000);
  }
});
