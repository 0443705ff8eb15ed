// `npm run release:build`: both packages' artifacts, checked, as a team without a public registry
// consumes them. The command runs as users run it (into a temporary --out); then what it made is
// installed the ways the packages' READMEs show: the npm tarball into a fresh project, the wheel into
// a fresh virtual environment, and sso-client straight from a git URL with a subdirectory (pip's
// `git+…@REVISION#subdirectory=client-sdk/python`, from this repository's HEAD commit).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '../..');
const version = (
  JSON.parse(await readFile(join(repo, 'client-sdk/node/package.json'), 'utf8')) as {
    version: string;
  }
).version;
const pyVersion = /^version = "([^"]+)"$/m.exec(
  await readFile(join(repo, 'client-sdk/python/pyproject.toml'), 'utf8'),
)![1]!;
const IMPORT = 'import sso_client, sys; print(sso_client.__version__, sso_client.__file__)';

describe('npm run release:build', () => {
  let work: string;
  let out: string;
  let stdout: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sso-release-'));
    out = join(work, 'dist');
    ({ stdout } = await run('npm', ['run', '-s', 'release:build', '--', '--out', out], {
      cwd: repo,
      env: { ...process.env, npm_config_update_notifier: 'false' },
    }));
  }, 300_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('makes the npm tarball, the wheel, the sdist and their checksums', async () => {
    const expected = [
      `sso-client-${version}.tgz`,
      `sso_client-${pyVersion}-py3-none-any.whl`,
      `sso_client-${pyVersion}.tar.gz`,
    ];
    expect((await readdir(out)).sort()).toEqual([...expected, 'SHA256SUMS'].sort());
    expect(stdout.trim().split('\n')).toEqual([...expected, 'SHA256SUMS'].map((f) => join(out, f)));
    const sums = await readFile(join(out, 'SHA256SUMS'), 'utf8');
    for (const file of expected) {
      const digest = createHash('sha256')
        .update(await readFile(join(out, file)))
        .digest('hex');
      expect(sums).toContain(`${digest}  ${file}\n`);
    }
    const { stdout: listing } = await run('tar', ['-tzf', join(out, expected[0]!)]);
    expect(listing.split('\n')).toEqual(
      expect.arrayContaining(['package/package.json', 'package/dist/index.js']),
    );
  });

  test('the npm tarball installs into a fresh project', async () => {
    const project = join(work, 'npm-consumer');
    await run('mkdir', ['-p', project]);
    await writeFile(join(project, 'package.json'), '{"name":"consumer","private":true}');
    await run(
      'npm',
      [
        'install',
        join(out, `sso-client-${version}.tgz`),
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
      ],
      { cwd: project },
    );
    const { stdout: installed } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { SCOPES } from '@sso/client/contract'; import p from '@sso/client/package.json' with { type: 'json' }; console.log(p.version, SCOPES.includes('openid'))",
      ],
      { cwd: project },
    );
    expect(installed.trim()).toBe(`${version} true`);
  }, 120_000);

  test('the wheel, and a git URL with a subdirectory, install with pip into fresh environments', async () => {
    const venv = async (name: string) => {
      const dir = join(work, name);
      await run('python3', ['-m', 'venv', dir]);
      return join(dir, 'bin/python');
    };
    const pip = (python: string, ...args: string[]) =>
      run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...args], {
        timeout: 300_000,
      });

    const fromWheel = await venv('from-wheel');
    await pip(fromWheel, join(out, `sso_client-${pyVersion}-py3-none-any.whl`));
    const wheel = await run(fromWheel, ['-c', IMPORT], { cwd: work });
    expect(wheel.stdout).toMatch(new RegExp(`^${pyVersion} .*/from-wheel/.*site-packages/`));

    const fromGit = await venv('from-git');
    const { stdout: head } = await run('git', ['rev-parse', 'HEAD'], { cwd: repo });
    await pip(fromGit, `git+file://${repo}@${head.trim()}#subdirectory=client-sdk/python`);
    const git = await run(fromGit, ['-c', IMPORT], { cwd: work });
    expect(git.stdout).toMatch(new RegExp(`^${pyVersion} .*/from-git/.*site-packages/`));
  }, 400_000);
});
