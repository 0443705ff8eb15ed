// `sso apis` and `sso keys`, in both modes: on the store itself, and with --url through the admin
// API. Each test starts on a fresh store with what it needs.
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import {
  cliSandbox,
  describeEachMode,
  expectJson,
  expectOneLineError,
  type CliSandbox,
} from './cli-process.ts';

interface KeyJson {
  kid: string;
  alg: string;
  state: string;
  activatesAt: string;
  retiresAt?: string;
  expiresAt?: string;
  d?: unknown;
}

describeEachMode('sso apis and sso keys (%s)', (mode) => {
  let sso: CliSandbox;

  beforeEach(async () => {
    sso = await cliSandbox(mode);
  });
  afterEach(async () => {
    await sso.dispose();
  });

  test('apis add, list, remove', async () => {
    const added = expectJson(
      await sso.run([
        'apis',
        'add',
        'https://orders.example.com',
        '--scope',
        'orders:read',
        '--scope',
        'orders:write',
        '--name',
        'Orders',
        '--ttl',
        '15m',
        '--json',
      ]),
    );
    expect(added).toMatchObject({
      audience: 'https://orders.example.com',
      scopes: ['orders:read', 'orders:write'],
      accessTokenTtl: 900,
    });
    expectOneLineError(
      await sso.run(['apis', 'add', 'https://orders.example.com', '--scope', 'x']),
      1,
      /^sso: API audience is already taken\n$/,
    );
    expectOneLineError(await sso.run(['apis', 'add', 'https://x.example.com']), 2, /--scope/);
    expectOneLineError(
      await sso.run(['apis', 'add', 'https://x.example.com', '--scope', 'a', '--ttl', 'soon']),
      2,
      /--ttl must be a duration/,
    );
    expectOneLineError(await sso.run(['apis', 'add', 'orders', '--scope', 'a']), 1, /absolute URL/);
    const legacy = await sso.run([
      'apis',
      'add',
      'https://legacy.example.com',
      '--scope',
      'a',
      '--alg',
      'RS256',
      '--json',
    ]);
    expect(JSON.parse(legacy.stdout)).toMatchObject({ signingAlg: 'RS256' });
    await sso.run(['apis', 'remove', 'https://legacy.example.com']);

    const table = await sso.run(['apis', 'list']);
    expect(table.stdout).toMatch(
      /^https:\/\/orders\.example\.com\s+Orders\s+orders:read orders:write\s+15m$/m,
    );
    expect(
      sso.own(
        'apis',
        expectJson<{ audience: string }[]>(await sso.run(['apis', 'list', '--json'])),
      ),
    ).toHaveLength(1);

    expect(await sso.run(['apis', 'remove', 'https://orders.example.com'])).toMatchObject({
      code: 0,
    });
    expect(
      sso.own(
        'apis',
        expectJson<{ audience: string }[]>(await sso.run(['apis', 'list', '--json'])),
      ),
    ).toEqual([]);
    expectOneLineError(
      await sso.run(['apis', 'remove', 'https://orders.example.com']),
      1,
      /not found/,
    );
  });

  test('an unknown signing algorithm is one line naming the choices', async () => {
    expectOneLineError(
      await sso.run(['apis', 'add', 'https://x.example.com', '--scope', 'a', '--alg', 'HS256']),
      1,
      /signing algorithm must be one of ES256, RS256/,
    );
  });

  test('keys rotate adds pending keys; keys list shows states and no key material', async () => {
    // A store that exists, with its first keys (a store not made yet has none to list).
    await sso.withServices(async () => undefined);
    const initial = expectJson<KeyJson[]>(await sso.run(['keys', 'list', '--json']));
    expect(initial.map((key) => [key.alg, key.state]).sort()).toEqual([
      ['ES256', 'active'],
      ['RS256', 'active'],
    ]);

    const started = Date.now();
    const rotated = expectJson<{
      added: string[];
      retiring: string[];
      activateAfter: number;
      maxTokenLifetime: number;
    }>(await sso.run(['keys', 'rotate', '--json']));
    expect(rotated.activateAfter).toBe(3600);
    expect(rotated.maxTokenLifetime).toBe(3600);
    expect(rotated.added).toHaveLength(2);
    expect(rotated.retiring.sort()).toEqual(initial.map((key) => key.kid).sort());

    const listed = await sso.run(['keys', 'list', '--json']);
    expect(listed.stdout).not.toMatch(/"(d|p|q|dp|dq|qi|k)"\s*:/);
    const keys = expectJson<KeyJson[]>(listed);
    const pending = keys.filter((key) => rotated.added.includes(key.kid));
    expect(pending.map((key) => key.state)).toEqual(['pending', 'pending']);
    for (const key of pending) {
      expect(Date.parse(key.activatesAt)).toBeGreaterThanOrEqual(started + 3600_000);
    }
    for (const key of keys.filter((key) => rotated.retiring.includes(key.kid))) {
      expect(key.state).toBe('active');
      expect(key.retiresAt).toBe(pending[0]?.activatesAt);
      expect(Date.parse(key.expiresAt!) - Date.parse(key.retiresAt!)).toBe(3600_000);
    }

    const table = await sso.run(['keys', 'list']);
    expect(table.stdout).toMatch(/^KID\s+ALG\s+STATE\s+ACTIVATES\s+RETIRES\s+EXPIRES\n/);
    expect(table.stdout.match(/ pending /g)).toHaveLength(2);
  });

  test('keys rotate --activate-after 0 signs at once; an API ttl lengthens retirement', async () => {
    expectJson(
      await sso.run([
        'apis',
        'add',
        'urn:example:reports',
        '--scope',
        'r',
        '--ttl',
        '1d',
        '--json',
      ]),
    );
    const result = await sso.run(['keys', 'rotate', '--activate-after', '0']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^sso: warning: .*JWKS[^\n]*\n$/);
    expect(result.stdout).toMatch(/longest token lifetime 1d/);
    const keys = expectJson<KeyJson[]>(await sso.run(['keys', 'list', '--json']));
    expect(keys.filter((key) => key.state === 'active')).toHaveLength(2);
    expectOneLineError(
      await sso.run(['keys', 'rotate', '--activate-after', 'soon']),
      2,
      /--activate-after must be a duration/,
    );
  });
});
