// `npm run release:build [-- --out DIR]`: the release artifacts of both client packages, checked,
// in dist/ (or DIR): the npm tarball of @sso/client (built, its `npm pack --dry-run` contents
// checked), the wheel and sdist of sso-client (built with hatchling, `twine check --strict`, the
// wheel's contents checked), and SHA256SUMS. Before anything is built, each package's version must
// be a semantic version that heads its CHANGELOG.md (and, for Python, equals `__version__`).
// Exits 1 with one line per problem. The Python tools come from client-sdk/python/.venv
// (client-sdk/python/scripts/venv.sh makes it; npm test's prepare step does too).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const nodeDir = join(root, 'client-sdk/node');
const pythonDir = join(root, 'client-sdk/python');
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$/;

/** What the npm tarball may hold, and must. */
const NPM_ALLOWED = /^(README\.md|package\.json|dist\/[\w-]+\.(js|d\.ts))$/;
const NPM_REQUIRED = ['README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts'];
/** What the wheel must hold (besides its metadata). */
const WHEEL_REQUIRED = [
  'sso_client/__init__.py',
  'sso_client/_contract.py',
  'sso_client/py.typed',
  'sso_client/fastapi.py',
  'sso_client/flask.py',
  'sso_client/starlette.py',
];

/** What the sdist may hold: the sources, tests, examples and their metadata. */
const SDIST_ALLOWED =
  /^(src\/sso_client\/[\w.]+|tests\/\w+\.py|examples\/\w+\.py|README\.md|CHANGELOG\.md|pyproject\.toml|requirements-test\.txt|\.gitignore|PKG-INFO)$/;

export interface ReleaseArtifacts {
  npm: { version: string; tarball: string; files: string[] };
  python: { version: string; wheel: string; sdist: string; files: string[] };
}

class ReleaseError extends Error {}

/** The version heading CHANGELOG.md (`## 1.2.3 — date` or `## [1.2.3]`). */
function changelogVersion(text: string): string | undefined {
  return /^## \[?(\d[^\]\s]*)\]?/m.exec(text)?.[1];
}

async function checkVersions(): Promise<{ npm: string; python: string }> {
  const problems: string[] = [];
  const pkg = JSON.parse(await readFile(join(nodeDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const pyproject = await readFile(join(pythonDir, 'pyproject.toml'), 'utf8');
  const pyVersion = /^version = "([^"]+)"$/m.exec(pyproject)?.[1] ?? '';
  const init = await readFile(join(pythonDir, 'src/sso_client/__init__.py'), 'utf8');
  const dunder = /^__version__ = "([^"]+)"$/m.exec(init)?.[1];
  for (const [name, version, dir] of [
    ['@sso/client', pkg.version, nodeDir],
    ['sso-client', pyVersion, pythonDir],
  ] as const) {
    if (!SEMVER.test(version)) problems.push(`${name}: version "${version}" is not semantic`);
    const changelog = await readFile(join(dir, 'CHANGELOG.md'), 'utf8').catch(() => '');
    const heading = changelogVersion(changelog);
    if (heading !== version) {
      problems.push(`${name}: CHANGELOG.md starts with ${heading ?? 'no version'}, not ${version}`);
    }
  }
  if (dunder !== pyVersion) {
    problems.push(`sso-client: __version__ is ${dunder}, pyproject.toml says ${pyVersion}`);
  }
  if (problems.length) throw new ReleaseError(problems.join('\n'));
  return { npm: pkg.version, python: pyVersion };
}

// Built and packed in a staging directory of its own, never in client-sdk/node/ (whose dist/ other
// builds use), so that two builds at once cannot see each other's half-written files.
async function buildNpm(out: string, version: string): Promise<ReleaseArtifacts['npm']> {
  const env = { ...process.env, npm_config_update_notifier: 'false' };
  const staging = join(out, '.npm');
  await mkdir(staging, { recursive: true });
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  await run(process.execPath, [
    tsc,
    '-p',
    join(nodeDir, 'tsconfig.build.json'),
    '--outDir',
    join(staging, 'dist'),
  ]);
  for (const file of ['package.json', 'README.md']) {
    await copyFile(join(nodeDir, file), join(staging, file));
  }
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: staging,
    env,
  });
  const [dry] = JSON.parse(stdout) as { files: { path: string }[] }[];
  const files = dry!.files.map((file) => file.path).sort();
  const unexpected = files.filter((file) => !NPM_ALLOWED.test(file));
  const missing = NPM_REQUIRED.filter((file) => !files.includes(file));
  if (unexpected.length || missing.length) {
    throw new ReleaseError(
      `npm pack --dry-run: unexpected ${JSON.stringify(unexpected)}, missing ${JSON.stringify(missing)}`,
    );
  }
  const packed = await run(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', out],
    { cwd: staging, env },
  );
  const [tarball] = JSON.parse(packed.stdout) as { filename: string }[];
  await rm(staging, { recursive: true, force: true });
  return { version, tarball: join(out, tarball!.filename), files };
}

async function buildPython(out: string, version: string): Promise<ReleaseArtifacts['python']> {
  const python = join(pythonDir, '.venv/bin/python');
  const built = join(out, '.python');
  await run(
    python,
    ['-m', 'build', '--no-isolation', '--sdist', '--wheel', '--outdir', built, pythonDir],
    { cwd: pythonDir },
  ).catch((error: Error & { stderr?: string }) => {
    throw new ReleaseError(
      `python -m build failed (is client-sdk/python/.venv made? bash client-sdk/python/scripts/venv.sh)\n${error.stderr ?? error.message}`,
    );
  });
  const names = await readdir(built);
  const wheel = names.find((name) => name === `sso_client-${version}-py3-none-any.whl`);
  const sdist = names.find((name) => name === `sso_client-${version}.tar.gz`);
  if (!wheel || !sdist) throw new ReleaseError(`python -m build made ${names.join(', ')}`);
  const artifacts = [join(built, wheel), join(built, sdist)];
  await run(python, ['-m', 'twine', 'check', '--strict', ...artifacts]).catch(
    (error: Error & { stdout?: string }) => {
      throw new ReleaseError(`twine check failed:\n${error.stdout ?? error.message}`);
    },
  );
  const { stdout } = await run(python, [
    '-c',
    'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))',
    artifacts[0]!,
  ]);
  const files = stdout.trim().split('\n').sort();
  const missing = WHEEL_REQUIRED.filter((file) => !files.includes(file));
  const unexpected = files.filter(
    (file) =>
      !file.startsWith('sso_client/') && !file.startsWith(`sso_client-${version}.dist-info/`),
  );
  if (missing.length || unexpected.length) {
    throw new ReleaseError(
      `wheel: missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(unexpected)}`,
    );
  }
  const listed = await run('tar', ['-tzf', artifacts[1]!]);
  const prefix = `sso_client-${version}/`;
  const strays = listed.stdout
    .trim()
    .split('\n')
    .filter((path) => !SDIST_ALLOWED.test(path.slice(prefix.length)) || !path.startsWith(prefix));
  if (strays.length) throw new ReleaseError(`sdist: unexpected ${JSON.stringify(strays)}`);
  for (const name of [wheel, sdist]) {
    await writeFile(join(out, name), await readFile(join(built, name)));
  }
  await rm(built, { recursive: true, force: true });
  return { version, wheel: join(out, wheel), sdist: join(out, sdist), files };
}

/** Builds and checks every release artifact into `out` (emptied first). */
export async function buildRelease(out: string): Promise<ReleaseArtifacts> {
  const versions = await checkVersions();
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const npm = await buildNpm(out, versions.npm);
  const python = await buildPython(out, versions.python);
  const sums = [];
  for (const path of [npm.tarball, python.wheel, python.sdist]) {
    const digest = createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
    sums.push(`${digest}  ${path.slice(out.length + 1)}`);
  }
  await writeFile(join(out, 'SHA256SUMS'), `${sums.join('\n')}\n`);
  return { npm, python };
}

if (process.argv[1] === import.meta.filename) {
  const at = process.argv.indexOf('--out');
  const out = resolve(at > 0 ? process.argv[at + 1]! : join(root, 'dist'));
  try {
    const { npm, python } = await buildRelease(out);
    for (const path of [npm.tarball, python.wheel, python.sdist, join(out, 'SHA256SUMS')]) {
      process.stdout.write(`${path}\n`);
    }
  } catch (error) {
    process.stderr.write(
      `release:build: ${error instanceof ReleaseError ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
