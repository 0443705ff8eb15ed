// The audit log as an operator reads it: every change made with the CLI is an event naming who made
// it, sign-ins are events written to the service log at any level (for fail2ban), and none of it
// ever holds a password or a secret.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../provider/config.ts';
import { createLogger } from '../../provider/log.ts';
import { startServer } from '../../provider/server.ts';
import { openStore } from '../../provider/store.ts';
import { authorizationRequest, discover, REDIRECT_URI } from '../support/flows.ts';
import { freePort } from '../support/free-port.ts';
import { formTo, page, UserAgent } from '../support/user-agent.ts';
import {
  cliSandbox,
  describeEachMode,
  expectJson,
  expectOneLineError,
  type CliSandbox,
} from './cli-process.ts';

interface EventView {
  time: string;
  type: string;
  actor: string;
  username?: string;
  clientId?: string;
  details?: Record<string, unknown>;
}

// In both modes: with --url the changes are the server's, and name the machine client as actor.
describeEachMode('sso audit (%s)', (mode) => {
  let cli: CliSandbox;
  const password = 'Audit-Password-81x';
  let secrets: string[];

  beforeAll(async () => {
    cli = await cliSandbox(mode);
    const run = async (args: string[], stdin?: string) => {
      const result = await cli.run([...args, '--json'], stdin ? { stdin } : {});
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({
        args,
        code: 0,
        stderr: '',
      });
      return result.stdout;
    };
    await run(['users', 'add', 'alice', '--password-stdin'], `${password}\n`);
    await run(['users', 'update', 'alice', '--name', 'Alice', '--group', 'ops']);
    await run(['users', 'set-password', 'alice', '--password-stdin'], `${password}-2\n`);
    await run(['users', 'disable', 'alice']);
    await run(['users', 'enable', 'alice']);
    await run(['users', 'unlock', 'alice']);
    await run(['apis', 'add', 'https://api.example.test/x', '--scope', 'x:read']);
    const created = JSON.parse(
      await run(['clients', 'add', '--confidential', '--name', 'App', '--id', 'audited-app']),
    ) as { clientSecret: string };
    const rotated = JSON.parse(await run(['clients', 'rotate-secret', 'audited-app'])) as {
      clientSecret: string;
    };
    secrets = [password, `${password}-2`, created.clientSecret, rotated.clientSecret];
    await run(['clients', 'remove', 'audited-app']);
    await run(['apis', 'remove', 'https://api.example.test/x']);
    await run(['keys', 'rotate']);
    await run(['users', 'remove', 'alice']);
  });
  afterAll(async () => {
    await cli.dispose();
  });

  const list = async (...args: string[]) =>
    expectJson<EventView[]>(await cli.run(['audit', 'list', ...args, '--json']));

  test('every change made with the CLI is an event, newest first, naming who made it', async () => {
    const events = await list();
    expect(events.map((event) => event.type)).toEqual([
      'user.remove',
      'keys.rotate',
      'api.remove',
      'client.remove',
      'client.secret.rotate',
      'client.create',
      'api.create',
      'login.unlock',
      'user.enable',
      'user.disable',
      'password.change',
      'user.update',
      'user.create',
    ]);
    for (const event of events) expect(event.actor).toMatch(cli.actor);
    expect(events.find((event) => event.type === 'user.update')).toMatchObject({
      username: 'alice',
      details: { fields: 'groups name' },
    });
    expect(events.find((event) => event.type === 'client.create')?.clientId).toBe('audited-app');
    const all = JSON.stringify(events);
    for (const secret of secrets) expect(all.includes(secret)).toBe(false);
  });

  test('filters: type prefix, user, client, time, limit', async () => {
    expect((await list('--type', 'client')).map((e) => e.type)).toEqual([
      'client.remove',
      'client.secret.rotate',
      'client.create',
    ]);
    expect((await list('--user', 'ALICE')).every((e) => e.username === 'alice')).toBe(true);
    expect((await list('--user', 'alice')).length).toBe(7);
    expect((await list('--client', 'audited-app')).length).toBe(3);
    expect((await list('--limit', '2')).map((e) => e.type)).toEqual(['user.remove', 'keys.rotate']);
    expect(await list('--since', '2099-01-01T00:00:00Z')).toEqual([]);
    expect((await list('--since', '1h')).length).toBe(13);
    expectOneLineError(await cli.run(['audit', 'list', '--limit', 'lots']), 2, /--limit/);
    expectOneLineError(await cli.run(['audit', 'list', '--since', 'yesterday-ish']), 2, /--since/);
  });
});

describe('sign-in events in the service log', () => {
  test('are JSON lines at every level but silent, with the client address, and never the password', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sso-audit-log-'));
    const lines: string[] = [];
    const port = await freePort();
    const config = loadConfig({
      SSO_PORT: String(port),
      SSO_HOST: '127.0.0.1',
      SSO_ISSUER: `http://127.0.0.1:${port}`,
      SSO_DATA_DIR: dataDir,
      SSO_LOG_LEVEL: 'error',
    });
    const log = createLogger('error', (line) => lines.push(line));
    const running = await startServer(config, await openStore(config, log), log);
    try {
      const secret = 'Sign-In-Password-42';
      await running.accounts.create({ username: 'bruno' }, secret);
      const { client, secret: clientSecret } = await running.clients.create({
        type: 'confidential',
        grantTypes: ['authorization_code'],
        redirectUris: [REDIRECT_URI],
        firstParty: true,
      });
      const rp = await discover(config.issuer, client.clientId, clientSecret);
      const agent = new UserAgent({ ssoOrigin: new URL(config.issuer).origin });
      const login = page(await agent.open((await authorizationRequest(rp)).url.href));
      await agent.submit(formTo(login, '/login'), { login: 'bruno', password: 'not-it-at-all' });
      await agent.submit(formTo(login, '/login'), { login: 'bruno', password: secret });
      const audit = lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.msg === 'audit');
      expect(audit.map((line) => line.event)).toEqual(['login.failure', 'login.success']);
      expect(audit[0]).toMatchObject({
        level: 'info',
        event: 'login.failure',
        username: 'bruno',
        ip: '127.0.0.1',
        clientId: client.clientId,
        details: { reason: 'invalid_credentials' },
      });
      const everything = lines.join('\n');
      for (const hidden of [secret, 'not-it-at-all', clientSecret!]) {
        expect(everything.includes(hidden)).toBe(false);
      }
    } finally {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
