// Scale-out as it is deployed: three SSO processes on one MongoDB database behind a round-robin
// HTTP proxy (a load balancer without stickiness), so consecutive requests of one sign-in, its
// code redemption, refreshes and introspections land on different instances. Everything shared
// (keys, sessions, interactions, grants, counters) lives in the database, so every flow completes.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createServer, request, type Server } from 'node:http';
import * as oidc from 'openid-client';
import { newMasterKeyText } from '../../provider/keys/master-key.ts';
import { cliSandboxFor, expectJson } from '../cli/cli-process.ts';
import { codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { freePort } from '../support/free-port.ts';
import { startInstance, type Instance } from '../support/instances.ts';
import { dropMongoDatabase, mongoTestUri } from '../support/mongodb-server.ts';
import { describeForBackends } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';

// A round-robin reverse proxy: request n goes to target n mod 3, whatever its cookies.
function roundRobin(port: number, targets: () => string[], served: string[]): Promise<Server> {
  let next = 0;
  const proxy = createServer((req, res) => {
    const all = targets();
    const target = new URL(all[next++ % all.length]!);
    served.push(`${target.port} ${req.method} ${(req.url ?? '').split('?')[0]}`);
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  return new Promise((resolve) => proxy.listen(port, '127.0.0.1', () => resolve(proxy)));
}

describeForBackends(
  [{ backend: 'mongodb' as const }],
  'three instances on one MongoDB database',
  () => {
    let instances: Instance[] = [];
    let proxy: Server;
    let issuer: string;
    let storeEnv: Record<string, string>;
    let dropDatabase = async () => {};
    const served: string[] = [];

    beforeAll(async () => {
      const dbName = `sso_test_three_${Date.now().toString(36)}`;
      const uri = new URL(mongoTestUri()!);
      uri.pathname = `/${dbName}`;
      storeEnv = { MONGODB_URI: uri.href, SSO_MASTER_KEY: newMasterKeyText() };
      dropDatabase = () => dropMongoDatabase(mongoTestUri()!, dbName);
      const port = await freePort();
      issuer = `http://127.0.0.1:${port}`;
      proxy = await roundRobin(port, () => instances.map((instance) => instance.url), served);
      const env = { ...storeEnv, SSO_ISSUER: issuer, SSO_TRUST_PROXY: 'false' };
      // One first, so the keys are made once; then two more on the same database.
      instances = [await startInstance(env)];
      instances.push(...(await Promise.all([startInstance(env), startInstance(env)])));
    }, 90_000);

    afterAll(async () => {
      await Promise.all(instances.map((instance) => instance.stop()));
      await new Promise((resolve) => proxy?.close(resolve));
      await dropDatabase();
    });

    test('sign-ins, refreshes and introspections hopping between the instances all succeed', async () => {
      const cli = cliSandboxFor(storeEnv);
      const client = expectJson<{ clientId: string; clientSecret: string }>(
        await cli.run([
          ...['clients', 'add', '--confidential', '--name', 'Scaled app'],
          ...['--grant', 'authorization_code', '--grant', 'refresh_token'],
          ...['--redirect-uri', REDIRECT_URI, '--json'],
        ]),
      );
      const people = ['ann', 'ben', 'cat'].map((login) => ({
        login,
        password: `${login} has a long passphrase`,
      }));
      for (const person of people) {
        const added = await cli.run(['users', 'add', person.login, '--password-stdin'], {
          stdin: `${person.password}\n`,
        });
        expect(added.code).toBe(0);
      }
      const config = await discover(issuer, client.clientId, client.clientSecret);
      for (const person of people) {
        const agent = new UserAgent({ ssoOrigin: issuer });
        const { tokens } = await codeFlow(config, agent, person, {
          scope: 'openid offline_access',
          prompt: 'consent',
        });
        expect(tokens.claims()?.sub).toBeTruthy();
        let refreshToken = tokens.refresh_token!;
        for (let i = 0; i < 3; i++) {
          const refreshed = await oidc.refreshTokenGrant(config, refreshToken);
          expect(refreshed.refresh_token).not.toBe(refreshToken);
          refreshToken = refreshed.refresh_token!;
          expect(await oidc.tokenIntrospection(config, refreshed.access_token)).toMatchObject({
            active: true,
            sub: tokens.claims()?.sub,
          });
        }
        // The spent refresh token is refused whichever instance is asked (past the grace window it
        // would revoke the grant; here it is the rotated chain that goes on).
        expect((await oidc.tokenIntrospection(config, refreshToken)).active).toBe(true);
      }
      // Every instance served part of the sign-ins and of the token endpoint's work.
      for (const instance of instances) {
        const port = new URL(instance.url).port;
        const mine = served.filter((line) => line.startsWith(`${port} `));
        expect(mine.some((line) => / (GET|POST) \/(auth|interaction\/)/.test(line))).toBe(true);
        expect(mine.filter((line) => line.endsWith('POST /token')).length).toBeGreaterThan(0);
        expect(
          mine.filter((line) => line.endsWith('POST /token/introspection')).length,
        ).toBeGreaterThan(0);
      }
    }, 120_000);
  },
);
