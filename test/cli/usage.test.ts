// Wrong usage and help, in both modes (with --url, the same words and exit statuses), and the
// store's own settings, which only the local mode reads.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import {
  cliSandbox,
  describeEachMode,
  expectOneLineError,
  localOnlyTest,
  type CliSandbox,
} from './cli-process.ts';

describeEachMode('sso usage and help (%s)', (mode) => {
  let sso: CliSandbox;
  const storeTest = localOnlyTest(mode, 'the CLI reads no store settings, the server does');

  beforeAll(async () => {
    sso = await cliSandbox(mode);
  });
  afterAll(async () => {
    await sso.dispose();
  });

  test.each([
    [[], /missing command/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['--verbose'], /unknown option "--verbose"/],
    [['users'], /missing users command: one of add, list/],
    [['users', 'delete', 'alice'], /unknown users command "delete"/],
    [['users', 'list', '--verbose'], /unknown option --verbose/],
    [['users', 'list', 'extra'], /too many arguments: sso users list takes no arguments/],
    [['users', 'set-password', 'bob', 'hunter2'], /^(?!.*hunter2).*takes only <username\|email>/],
    [['apis', 'add', 'urn:x', '--name', 'a', '--name', 'b'], /--name is given more than once/],
    [['users', 'show'], /missing <username\|email>/],
    [['users', 'add', 'x', '--email'], /option --email needs a value/],
    [['users', 'add', 'x', '--email', '--name', 'y'], /option --email needs a value/],
    [['users', 'list', '--json=yes'], /option --json does not take a value/],
    [['users', 'add', 'x', '--no-password', '--password-stdin'], /cannot be used together/],
    [['clients', 'add', '--name', 'x', '--public', '--confidential'], /cannot be used together/],
    [['help', 'nothing'], /unknown command "nothing"/],
  ])('sso %j is a usage error (exit 2, one line)', async (args, pattern) => {
    expectOneLineError(await sso.run(args), 2, pattern);
  });

  test.each([
    [['--help'], /^Usage: sso <group> <command>/m],
    [['users', '--help'], /^Usage: sso users <command>/m],
    [['users', 'add', '--help'], /^ {2}--password-stdin +/m],
    [['help', 'keys', 'rotate'], /^ {2}--activate-after DURATION +/m],
    [['apis', 'add', '-h'], /^ {2}--scope SCOPE +.*\(repeatable\)$/m],
    [['--help'], /^ {7}sso --url URL <group> <command> \[arguments\] \[options\]$/m],
    [
      ['--help'],
      /^sso keys rewrap, sso store migrate, sso store copy, sso store backup, sso store restore\.$/m,
    ],
    [
      ['keys', 'rewrap', '--help'],
      /^Runs where the store is \(with its settings\), never with --url\.$/m,
    ],
  ])('sso %j prints help (exit 0): %s', async (args, pattern) => {
    const result = await sso.run(args);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(pattern);
  });

  storeTest('a bad configuration variable is one line naming it (exit 1)', async () => {
    const result = await sso.run(['users', 'list'], { env: { SSO_ACCESS_TOKEN_TTL: 'forever' } });
    expectOneLineError(
      result,
      1,
      /^sso: invalid configuration: SSO_ACCESS_TOKEN_TTL must be a duration/,
    );
  });

  storeTest('an unusable data directory is one line (exit 1)', async () => {
    const result = await sso.run(['users', 'list'], { env: { SSO_DATA_DIR: '/dev/null/sso' } });
    expectOneLineError(result, 1, /ENOTDIR/);
  });

  storeTest('an unreachable MongoDB is one line without its credentials (exit 1)', async () => {
    const result = await sso.run(['users', 'list'], {
      env: { MONGODB_URI: 'mongodb://admin:hunter2@127.0.0.1:1/sso?serverSelectionTimeoutMS=500' },
    });
    expectOneLineError(result, 1, /^sso: store unavailable: /);
    expect(result.stderr).not.toContain('hunter2');
  });
});
