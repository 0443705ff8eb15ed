import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cliSandbox, expectJson, expectOneLineError, type CliSandbox } from './cli-process.ts';

interface UserJson {
  id: string;
  username: string;
  email?: string;
  emailVerified: boolean;
  groups: string[];
  disabled: boolean;
  hasPassword: boolean;
  passwordHash?: unknown;
}

describe('sso users', () => {
  let sso: CliSandbox;
  let alice: UserJson;

  beforeAll(async () => {
    sso = await cliSandbox();
    const added = await sso.run(
      [
        'users',
        'add',
        'Alice',
        '--email',
        'Alice@Example.com',
        '--email-verified',
        '--name',
        'Alice Liddell',
        '--group',
        'admins',
        '--group',
        'staff',
        '--password-stdin',
        '--json',
      ],
      { stdin: 'correct horse battery staple\n' },
    );
    alice = expectJson<UserJson>(added);
  });
  afterAll(async () => {
    await sso.dispose();
  });

  test('add with --password-stdin creates an account whose password works', async () => {
    expect(alice).toMatchObject({
      username: 'alice',
      email: 'alice@example.com',
      emailVerified: true,
      groups: ['admins', 'staff'],
      disabled: false,
      hasPassword: true,
    });
    expect(alice).not.toHaveProperty('passwordHash');
    await sso.withServices(async ({ accounts }) => {
      expect((await accounts.authenticate('alice', 'correct horse battery staple'))?.id).toBe(
        alice.id,
      );
      expect(
        await accounts.authenticate('alice', 'correct horse battery staple\n'),
      ).toBeUndefined();
    });
  });

  test('a taken username is one line and exit 1', async () => {
    const result = await sso.run(['users', 'add', 'alice', '--password-stdin'], {
      stdin: 'another password\n',
    });
    expectOneLineError(result, 1, /^sso: username is already taken\n$/);
  });

  test('an invalid email is one line naming the problem', async () => {
    const result = await sso.run([
      'users',
      'add',
      'bob',
      '--email',
      'not-an-email',
      '--no-password',
    ]);
    expectOneLineError(result, 1, /"not-an-email" is not an email address/);
  });

  test('without a password source and without a terminal, add is a usage error', async () => {
    const result = await sso.run(['users', 'add', 'bob']);
    expectOneLineError(result, 2, /no password given: .*--password-stdin.*--no-password/);
    const empty = await sso.run(['users', 'add', 'bob', '--password-stdin']);
    expectOneLineError(empty, 1, /stdin is empty/);
    const short = await sso.run(['users', 'add', 'bob', '--password-stdin'], { stdin: 'short\n' });
    expectOneLineError(short, 1, /password must be 8 to 256 characters/);
    await sso.withServices(async ({ accounts }) => {
      expect(await accounts.findByLogin('bob')).toBeUndefined();
    });
  });

  test('--no-password, list and show', async () => {
    expectJson(await sso.run(['users', 'add', 'carol', '--no-password', '--json']));
    const listed = expectJson<UserJson[]>(await sso.run(['users', 'list', '--json']));
    expect(listed.map((user) => [user.username, user.hasPassword])).toEqual([
      ['alice', true],
      ['carol', false],
    ]);
    expect(JSON.stringify(listed)).not.toMatch(/argon2|passwordHash/);

    const table = await sso.run(['users', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^USERNAME\s+EMAIL\s+NAME\s+GROUPS\s+STATUS\n/);
    expect(table.stdout).toMatch(
      /^alice\s+alice@example\.com\s+Alice Liddell\s+admins, staff\s+active$/m,
    );
    expect(table.stdout).toMatch(/^carol\s.*no password$/m);

    const shown = await sso.run(['users', 'show', 'ALICE@example.com']);
    expect(shown.stdout).toMatch(/^id \(sub\): +[0-9a-f-]{36}$/m);
    expectOneLineError(await sso.run(['users', 'show', 'nobody']), 1, /user "nobody" not found/);
  });

  test('set-password replaces the password', async () => {
    const result = await sso.run(['users', 'set-password', 'carol', '--password-stdin'], {
      stdin: 'a new passphrase\r\n',
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    await sso.withServices(async ({ accounts }) => {
      expect(await accounts.authenticate('carol', 'a new passphrase')).toBeDefined();
    });
    expectOneLineError(
      await sso.run(['users', 'set-password', 'nobody', '--password-stdin'], {
        stdin: 'whatever1\n',
      }),
      1,
      /user "nobody" not found/,
    );
  });

  test('disable ends the account sessions and grants; enable lets it sign in again', async () => {
    await sso.withServices(async ({ store }) => {
      await store.oidc.upsert('Session', 'session-1', { accountId: alice.id, uid: 'uid-1' }, 3600);
      await store.oidc.upsert('Grant', 'grant-1', { accountId: alice.id }, 3600);
      await store.oidc.upsert(
        'Session',
        'session-2',
        { accountId: 'someone-else', uid: 'uid-2' },
        3600,
      );
    });
    const disabled = expectJson<UserJson>(await sso.run(['users', 'disable', 'alice', '--json']));
    expect(disabled.disabled).toBe(true);
    await sso.withServices(async ({ store, accounts }) => {
      expect(await store.oidc.find('Session', 'session-1')).toBeUndefined();
      expect(await store.oidc.find('Grant', 'grant-1')).toBeUndefined();
      expect(await store.oidc.find('Session', 'session-2')).toBeDefined();
      expect(await accounts.authenticate('alice', 'correct horse battery staple')).toBeUndefined();
    });
    const enabled = await sso.run(['users', 'enable', 'alice']);
    expect(enabled).toMatchObject({ code: 0, stdout: 'Enabled user alice.\n', stderr: '' });
    await sso.withServices(async ({ accounts }) => {
      expect(await accounts.authenticate('alice', 'correct horse battery staple')).toBeDefined();
    });
    expectOneLineError(await sso.run(['users', 'disable', 'nobody']), 1, /user "nobody" not found/);
  });

  test('remove deletes the account and what it was signed in to', async () => {
    await sso.run(['users', 'add', 'zed', '--password-stdin'], { stdin: 'zed password 1\n' });
    const zed = expectJson<UserJson>(await sso.run(['users', 'show', 'zed', '--json']));
    await sso.withServices(async ({ store }) => {
      await store.oidc.upsert(
        'Session',
        'zed-session',
        { accountId: zed.id, uid: 'zed-uid' },
        3600,
      );
    });
    expect(await sso.run(['users', 'remove', 'zed'])).toMatchObject({
      code: 0,
      stdout: 'Removed user zed.\n',
    });
    await sso.withServices(async ({ store, accounts }) => {
      expect(await store.oidc.find('Session', 'zed-session')).toBeUndefined();
      expect(await accounts.findByLogin('zed')).toBeUndefined();
    });
    expectOneLineError(await sso.run(['users', 'remove', 'zed']), 1, /user "zed" not found/);
  });

  test('update changes only what is given; a new email is unverified', async () => {
    const updated = expectJson<UserJson & { name?: string }>(
      await sso.run([
        'users',
        'update',
        'alice',
        '--email',
        'liddell@example.com',
        '--name',
        '',
        '--json',
      ]),
    );
    expect(updated).toMatchObject({
      email: 'liddell@example.com',
      emailVerified: false,
      groups: ['admins', 'staff'],
    });
    expect(updated.name).toBeUndefined();
    expectOneLineError(
      await sso.run(['users', 'update', 'carol', '--email', 'liddell@example.com']),
      1,
      /^sso: email is already taken\n$/,
    );
    expectOneLineError(await sso.run(['users', 'update', 'carol']), 2, /nothing to change/);
    expectOneLineError(
      await sso.run(['users', 'update', 'carol', '--group', 'bad group!']),
      1,
      /group "bad group!"/,
    );
  });
});
