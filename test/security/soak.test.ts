// The soak script itself, run briefly: it must finish, report its figures and find no error. (The
// real soak is `npm run soak`, minutes long; its figures are in the README, not asserted here.)
import { expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('npm run soak, for 8 seconds: every operation succeeds and the report is complete', () => {
  const result = spawnSync(process.execPath, ['--expose-gc', 'bench/soak.ts'], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { PATH: process.env.PATH, SOAK_SECONDS: '8', SOAK_RATE: '20' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  for (const operation of ['sign-in', 'refresh', 'client credentials', 'introspection']) {
    expect(result.stdout).toMatch(new RegExp(`^${operation} +[1-9]\\d* +[\\d.]+ +[\\d.]+$`, 'm'));
  }
  expect(result.stdout).toMatch(/^heap growth after warm-up .*: -?[\d.]+ MiB$/m);
  expect(result.stdout).toMatch(/^errors: 0$/m);
}, 150_000);
