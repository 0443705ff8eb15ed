// Commands that only read never write: on a store that does not exist yet they answer as for an
// empty one and leave nothing behind (no database file, no master key, no signing keys); on an
// existing store they change nothing.
// With --url, the second check runs on the store the server serves (the first is about a store
// that nothing has made yet, which a running server never leaves).
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { readdir } from 'node:fs/promises';
import {
  cliSandbox,
  describeEachMode,
  expectJson,
  expectOneLineError,
  localOnlyTest,
  type CliSandbox,
} from './cli-process.ts';

describeEachMode('read-only commands (%s)', (mode) => {
  let cli: CliSandbox;
  beforeEach(async () => {
    cli = await cliSandbox(mode);
  });
  afterEach(async () => {
    await cli.dispose();
  });

  const READS = [
    ['users', 'list'],
    ['clients', 'list'],
    ['apis', 'list'],
    ['keys', 'list'],
    ['audit', 'list'],
  ];

  localOnlyTest(mode, 'a server has made its store before any command reaches it')(
    'on a store that does not exist yet: empty answers, and nothing is created',
    async () => {
      for (const args of READS) {
        expect({ args, answer: expectJson(await cli.run([...args, '--json'])) }).toEqual({
          args,
          answer: [],
        });
      }
      expect((await cli.run(['users', 'list'])).stdout).toBe('No users.\n');
      expectOneLineError(await cli.run(['users', 'show', 'nobody']), 1, /user "nobody" not found/);
      expectOneLineError(await cli.run(['clients', 'show', 'nothing']), 1, /not found/);
      expect(await readdir(cli.dataDir)).toEqual([]);
    },
  );

  test('on an existing store: reading changes no key and writes no key file', async () => {
    const added = await cli.run(['users', 'add', 'rita', '--password-stdin'], {
      stdin: 'a long enough password\n',
    });
    expect(added.code).toBe(0);
    const keysBefore = expectJson(await cli.run(['keys', 'list', '--json']));
    const versionBefore = await cli.withServices(
      async ({ store }) => (await store.keySets.get('signing'))?.version,
    );
    for (const args of READS) expect((await cli.run([...args, '--json'])).code).toBe(0);
    expect((await cli.run(['users', 'show', 'rita', '--json'])).code).toBe(0);
    expect(expectJson(await cli.run(['keys', 'list', '--json']))).toEqual(keysBefore);
    expect(
      await cli.withServices(async ({ store }) => (await store.keySets.get('signing'))?.version),
    ).toBe(versionBefore);
  });
});
