// `sso users`, in both modes: on the store itself, and with --url through the admin API. Each test
// starts on a fresh store with what it needs.
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import {
  cliSandbox,
  describeEachMode,
  expectJson,
  expectOneLineError,
  type CliSandbox,
} from './cli-process.ts';

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

describeEachMode('sso users (%s)', (mode) => {
  let sso: CliSandbox;

  beforeEach(async () => {
    sso = await cliSandbox(mode);
  });
  afterEach(async () => {
    await sso.dispose();
  });

  // Alice, with a password, a verified email and two groups.
  const addAlice = async () =>
    expectJson<UserJson>(
      await sso.run(
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
      ),
    );
  const addCarol = async () =>
    expectJson<UserJson>(await sso.run(['users', 'add', 'carol', '--no-password', '--json']));

  test('add with --password-stdin creates an account whose password works', async () => {
    const alice = await addAlice();
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

  test('every profile option is kept, in the shapes of the standard claims', async () => {
    const added = await sso.run([
      'users',
      'add',
      'zoe',
      '--no-password',
      '--json',
      ...['--email', 'Zoe@Example.com', '--email-verified'],
      ...['--name', 'Zoe Q. Public', '--given-name', 'Zoe', '--family-name', 'Public'],
      ...['--middle-name', 'Quinn', '--nickname', 'Zed'],
      ...['--profile-url', 'https://people.example.com/zoe'],
      ...['--picture', 'https://people.example.com/zoe.png'],
      ...['--website', 'https://zoe.example.org/'],
      ...['--gender', 'female', '--birthdate', '0000-10-31'],
      ...['--zoneinfo', 'Europe/Paris', '--locale', 'fr-FR'],
      ...['--phone', '+33 1 23 45 67 89', '--phone-verified'],
      ...['--address-street', '10 rue de la Paix\nBâtiment B', '--address-locality', 'Paris'],
      ...['--address-region', 'Île-de-France', '--address-postal-code', '75002'],
      ...['--address-country', 'France', '--address-formatted', '10 rue de la Paix, Paris'],
      ...['--group', 'staff', '--group', 'ops'],
    ]);
    const expected = {
      username: 'zoe',
      email: 'zoe@example.com',
      emailVerified: true,
      name: 'Zoe Q. Public',
      givenName: 'Zoe',
      familyName: 'Public',
      middleName: 'Quinn',
      nickname: 'Zed',
      profile: 'https://people.example.com/zoe',
      picture: 'https://people.example.com/zoe.png',
      website: 'https://zoe.example.org/',
      gender: 'female',
      birthdate: '0000-10-31',
      zoneinfo: 'Europe/Paris',
      locale: 'fr-FR',
      phoneNumber: '+33123456789',
      phoneNumberVerified: true,
      address: {
        formatted: '10 rue de la Paix, Paris',
        streetAddress: '10 rue de la Paix\nBâtiment B',
        locality: 'Paris',
        region: 'Île-de-France',
        postalCode: '75002',
        country: 'France',
      },
      groups: ['staff', 'ops'],
      disabled: false,
      hasPassword: false,
      version: 1,
    };
    expect(expectJson(added)).toMatchObject(expected);
    expect(expectJson(await sso.run(['users', 'show', 'zoe', '--json']))).toMatchObject(expected);
    const changed = expectJson<UserJson>(
      await sso.run([
        'users',
        'update',
        'zoe',
        '--address-locality',
        'Lyon',
        '--phone',
        '',
        '--json',
      ]),
    );
    expect(changed).toMatchObject({
      address: { ...expected.address, locality: 'Lyon' },
      version: 2,
    });
    expect(changed).not.toHaveProperty('phoneNumber');
    expect(changed).not.toHaveProperty('phoneNumberVerified');
  });

  test('a taken username is one line and exit 1', async () => {
    await addAlice();
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
    await sso.withServices(async ({ accounts }) => {
      expect(await accounts.findByLogin('bob')).toBeUndefined();
    });
  });

  test('a password too short is one line naming the rule', async () => {
    const short = await sso.run(['users', 'add', 'bob', '--password-stdin'], { stdin: 'short\n' });
    expectOneLineError(short, 1, /password must be 8 to 256 characters/);
    await sso.withServices(async ({ accounts }) => {
      expect(await accounts.findByLogin('bob')).toBeUndefined();
    });
  });

  test('--no-password, list and show', async () => {
    await addAlice();
    await addCarol();
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
    await addCarol();
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
    const alice = await addAlice();
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
    await addAlice();
    await addCarol();
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
  });

  test('--require-mfa and --no-require-mfa; reset-factors removes every second factor', async () => {
    const carol = expectJson<UserJson & { mfaRequired: boolean }>(
      await sso.run(['users', 'add', 'carol', '--no-password', '--require-mfa', '--json']),
    );
    expect(carol.mfaRequired).toBe(true);
    await sso.withServices(async ({ store }) => {
      const account = (await store.accounts.get(carol.id))!;
      await store.accounts.replace({
        ...account,
        totp: { secret: 'JBSWY3DPEHPK3PXP', confirmedAt: 1 },
        recoveryCodes: { salt: 's', hashes: ['a'], createdAt: 1 },
      });
    });
    const relaxed = expectJson<{ mfaRequired: boolean; secondFactors: unknown }>(
      await sso.run(['users', 'update', 'carol', '--no-require-mfa', '--json']),
    );
    expect(relaxed).toMatchObject({
      mfaRequired: false,
      secondFactors: { totp: true, passkeys: 0, recoveryCodesLeft: 1 },
    });
    const reset = expectJson<{ secondFactors: unknown }>(
      await sso.run(['users', 'reset-factors', 'carol', '--json']),
    );
    expect(reset.secondFactors).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });
    await sso.withServices(async ({ accounts }) => {
      expect((await accounts.get(carol.id))?.totp).toBeUndefined();
    });
  });

  test('a bad group is one line naming it', async () => {
    await addCarol();
    expectOneLineError(
      await sso.run(['users', 'update', 'carol', '--group', 'bad group!']),
      1,
      /group "bad group!"/,
    );
  });
});
