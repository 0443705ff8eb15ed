// `sso clients`, in both modes: on the store itself, and with --url through the admin API. Each
// test starts on a fresh store with what it needs.
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import {
  cliSandbox,
  describeEachMode,
  expectJson,
  expectOneLineError,
  type CliSandbox,
} from './cli-process.ts';

interface ClientJson {
  clientId: string;
  name?: string;
  type: string;
  grantTypes: string[];
  redirectUris: string[];
  authMethod?: string;
  firstParty: boolean;
  allowedApis: string[];
  clientSecret?: string;
}

const storedSecret = (sso: CliSandbox, clientId: string) =>
  sso.withServices(async ({ clients }) => (await clients.get(clientId))?.metadata.client_secret);

describeEachMode('sso clients (%s)', (mode) => {
  let sso: CliSandbox;

  beforeEach(async () => {
    sso = await cliSandbox(mode);
  });
  afterEach(async () => {
    await sso.dispose();
  });

  const WEB_APP = [
    'clients',
    'add',
    '--id',
    'web-app',
    '--name',
    'Web App',
    '--confidential',
    '--redirect-uri',
    'https://app.example.com/callback',
  ];
  const SPA = [
    'clients',
    'add',
    '--id',
    'spa',
    '--name',
    'SPA',
    '--public',
    '--redirect-uri',
    'http://localhost:5173/callback',
    '--first-party',
  ];
  const add = async (args: string[]) => {
    expect(await sso.run(args)).toMatchObject({ code: 0, stderr: '' });
  };

  test('add --confidential prints the secret once; list and show never do', async () => {
    const added = await sso.run(WEB_APP);
    expect(added.code).toBe(0);
    expect(added.stderr).toBe('');
    const secret = /^client_secret: +(\S+)$/m.exec(added.stdout)?.[1];
    expect(secret).toBeDefined();
    expect(await storedSecret(sso, 'web-app')).toBe(secret);
    expect(added.stdout).toMatch(/^client_id: +web-app$/m);
    expect(added.stdout).toMatch(/shown only now/);
    expect(added.stdout.split(secret!)).toHaveLength(2);

    const listed = await sso.run(['clients', 'list', '--json']);
    const clients = sso.own('clients', expectJson<ClientJson[]>(listed));
    expect(clients).toEqual([
      expect.objectContaining({
        clientId: 'web-app',
        name: 'Web App',
        type: 'confidential',
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: ['https://app.example.com/callback'],
        authMethod: 'client_secret_basic',
      }),
    ]);
    expect(listed.stdout).not.toContain(secret);
    expect(listed.stdout).not.toMatch(/"client_?secret"/i);
    for (const args of [
      ['clients', 'list'],
      ['clients', 'show', 'web-app'],
      ['clients', 'show', 'web-app', '--json'],
    ]) {
      const result = await sso.run(args);
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain(secret);
    }
  });

  test('add --json includes clientSecret; default grant for a service is client_credentials', async () => {
    const client = expectJson<ClientJson>(
      await sso.run(['clients', 'add', '--name', 'Worker', '--confidential', '--json']),
    );
    expect(client.clientSecret).toMatch(/^[\w-]{43}$/);
    expect(client.grantTypes).toEqual(['client_credentials']);
    expect(await storedSecret(sso, client.clientId)).toBe(client.clientSecret);
  });

  test('rotate-secret replaces the secret and prints the new one once', async () => {
    await add(WEB_APP);
    const before = await storedSecret(sso, 'web-app');
    const rotated = expectJson<ClientJson>(
      await sso.run(['clients', 'rotate-secret', 'web-app', '--json']),
    );
    expect(rotated.clientSecret).toBeDefined();
    expect(rotated.clientSecret).not.toBe(before);
    expect(await storedSecret(sso, 'web-app')).toBe(rotated.clientSecret);
  });

  test('a public client has no secret, and rotate-secret refuses it', async () => {
    const added = await sso.run(SPA);
    expect(added.code).toBe(0);
    expect(added.stdout).not.toMatch(/client_secret|shown only now/);
    expectOneLineError(
      await sso.run(['clients', 'rotate-secret', 'spa']),
      1,
      /public and has no secret/,
    );
  });

  test('bad input is one line: invalid redirect URI, unknown API, missing choices, taken id', async () => {
    await add(WEB_APP);
    expectOneLineError(
      await sso.run([
        'clients',
        'add',
        '--name',
        'Bad',
        '--confidential',
        '--redirect-uri',
        'not a uri',
      ]),
      1,
      /redirect_uris/,
    );
    expectOneLineError(
      await sso.run([
        'clients',
        'add',
        '--name',
        'Bad',
        '--confidential',
        '--api',
        'https://api.example.com',
      ]),
      1,
      /no API is registered with audience "https:\/\/api\.example\.com"/,
    );
    expectOneLineError(
      await sso.run(['clients', 'add', '--name', 'Bad']),
      2,
      /--confidential or --public/,
    );
    expectOneLineError(
      await sso.run(['clients', 'add', '--name', 'Bad', '--confidential', '--grant', 'password']),
      2,
      /--grant must be one of authorization_code, refresh_token, client_credentials, device_code/,
    );
    expectOneLineError(
      await sso.run(['clients', 'add', '--id', 'web-app', '--name', 'Again', '--confidential']),
      1,
      /^sso: client id is already taken\n$/,
    );
    // Nothing of it was registered.
    await sso.withServices(async ({ clients }) => {
      expect(sso.own('clients', await clients.list()).map((client) => client.clientId)).toEqual([
        'web-app',
      ]);
    });
  });

  test('remove deletes the client', async () => {
    await add(SPA);
    expect(await sso.run(['clients', 'remove', 'spa'])).toMatchObject({ code: 0, stderr: '' });
    expectOneLineError(await sso.run(['clients', 'show', 'spa']), 1, /client "spa" not found/);
    expectOneLineError(await sso.run(['clients', 'remove', 'spa']), 1, /client "spa" not found/);
  });
});
