// The password policy (provider/accounts/password-policy.ts), alone and through every Accounts
// method that sets a password. The common passwords below are an independent reference: the top of
// SplashData's yearly "worst passwords" lists and the UK NCSC's analysis of breached passwords,
// written here by hand, not taken from the package the policy reads.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../adapters/sqlite/sqlite-store.ts';
import { checkPassword, isCommon } from '../../provider/accounts/password-policy.ts';
import { loadConfig } from '../../provider/config.ts';
import { createLogger } from '../../provider/log.ts';
import { startServices, type Services } from '../../provider/services.ts';

const COMMON = [
  'password',
  'Password1',
  '12345678',
  '123456789',
  'qwerty123',
  'qwertyuiop',
  'iloveyou',
  'sunshine',
  'princess',
  'football',
  'baseball',
  'welcome1',
  'letmein1',
  'trustno1',
  'superman',
  '1q2w3e4r',
  'PASSW0RD',
];
const RUNS = ['aaaaaaaa', '00000000', 'abcdefgh', 'ABCDEFGHIJ', '87654321', 'zyxwvuts'];
const FINE = [
  'correct horse battery staple',
  'a long password 1',
  'plum-ferry-42-quietly',
  'aaaaaaab',
];

describe('password policy', () => {
  test.each(COMMON)('"%s" is refused as common', (password) => {
    expect(isCommon(password)).toBe(true);
    expect(() => checkPassword(password)).toThrow(/one of the most common/);
  });

  test.each(RUNS)('"%s" (one character, or consecutive ones) is refused', (password) => {
    expect(() => checkPassword(password)).toThrow(/one of the most common/);
  });

  test.each(FINE)('"%s" is accepted', (password) => {
    expect(isCommon(password)).toBe(false);
    expect(() => checkPassword(password)).not.toThrow();
  });

  test('length: 8 to 256 characters', () => {
    expect(() => checkPassword('plum-fe')).toThrow('password must be 8 to 256 characters long');
    expect(() => checkPassword(`x${'plum-ferry-'.repeat(30)}`.slice(0, 257))).toThrow(
      'password must be 8 to 256 characters long',
    );
    expect(() => checkPassword(`x${'plum-ferry-'.repeat(30)}`.slice(0, 256))).not.toThrow();
  });
});

describe('every way Accounts sets a password goes through the policy', () => {
  let dir: string;
  let services: Services;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sso-policy-'));
    const store = openSqliteStore(dir);
    await store.migrate();
    services = await startServices(
      loadConfig({ SSO_DATA_DIR: dir }),
      store,
      createLogger('silent'),
    );
  });
  afterAll(async () => {
    await services.close();
    await rm(dir, { recursive: true, force: true });
  });

  const refused = { name: 'ValidationError', field: 'password' };

  test('create, check, setPassword and hashNewPassword refuse a common password', async () => {
    await expect(services.accounts.create({ username: 'pat' }, 'iloveyou1')).rejects.toMatchObject(
      refused,
    );
    expect(await services.accounts.findByLogin('pat')).toBeUndefined();
    expect(() => services.accounts.check({ username: 'pat' }, 'iloveyou1')).toThrow(
      /one of the most common/,
    );
    await services.accounts.create({ username: 'pat' }, 'plum-ferry-42-quietly');
    await expect(services.accounts.setPassword('pat', 'football1')).rejects.toMatchObject(refused);
    await expect(services.accounts.hashNewPassword('football1')).rejects.toMatchObject(refused);
    // The old password still works: nothing was changed by the refused one.
    expect(await services.accounts.authenticate('pat', 'plum-ferry-42-quietly')).toBeDefined();
  });

  test('bad input is reported before the password', async () => {
    await expect(
      services.accounts.create({ username: 'bad name' }, 'iloveyou1'),
    ).rejects.toMatchObject({
      field: 'username',
    });
  });
});
