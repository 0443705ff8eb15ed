// The package as users get it: built, packed with `npm pack`, installed from the tarball into a
// fresh project, then used there — an ES module script against a running SSO, and a TypeScript
// check of the README examples and a consumer file against the published types.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestSso, type TestSso } from '../support/sso.ts';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '../..');
const packageDir = join(repo, 'client-sdk', 'node');
const ORDERS = 'https://api.example.test/orders';

// Consumers install the framework versions this repository tests with (from the npm cache).
const installedVersion = async (name: string) =>
  (
    JSON.parse(await readFile(join(repo, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

const SMOKE = `
import * as sdk from '@sso/client';
import { SCOPES } from '@sso/client/contract';
const { SSO_ISSUER, CLIENT_ID, CLIENT_SECRET, AUDIENCE } = process.env;
const issuer = await sdk.discoverIssuer(SSO_ISSUER, { allowHttp: true });
const client = sdk.createClient(issuer, { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
const source = sdk.clientCredentials(client, { resource: AUDIENCE, scope: 'orders:read' });
const token = await sdk.getToken(source);
const verifier = sdk.createVerifier(issuer, { audience: AUDIENCE });
const verified = await sdk.verifyAccessToken(verifier, token.accessToken, { scopes: ['orders:read'] });
let refused;
try {
  await sdk.verifyAccessToken(sdk.createVerifier(issuer, { audience: 'https://other.example' }), token.accessToken);
} catch (error) {
  refused = { code: error.code, isSsoError: error instanceof sdk.SsoError };
}
let deepImport;
try {
  await import('@sso/client/dist/errors.js');
} catch (error) {
  deepImport = error.code;
}
console.log(JSON.stringify({
  exports: Object.keys(sdk).sort(),
  contractScopes: SCOPES,
  tokenType: token.tokenType,
  sub: verified.claims.sub,
  scopes: verified.scopes,
  refused,
  deepImport,
}));
`;

const CONSUMER = `
import {
  createVerifier,
  discoverIssuer,
  isSsoError,
  type AccessTokenClaims,
  type Issuer,
  type SsoErrorCode,
  type VerifiedToken,
} from '@sso/client';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '@sso/client/contract';

const issuer: Issuer = await discoverIssuer('https://sso.example.com');
const verifier = createVerifier(issuer, { audience: 'https://api.example.com' });
export const alg: SigningAlgorithm = SIGNING_ALGORITHMS[0];
export function subject(token: VerifiedToken): string | undefined {
  const claims: AccessTokenClaims = token.claims;
  return claims.sub;
}
export function code(error: unknown): SsoErrorCode | undefined {
  return isSsoError(error) ? error.code : undefined;
}
// @ts-expect-error: audience is required
createVerifier(issuer, {});
// @ts-expect-error: not an error code
export const wrong: SsoErrorCode = 'SSO_NO_SUCH_CODE';
export { verifier };
`;

describe('the packed package', () => {
  let sso: TestSso;
  let work: string;
  let client: { clientId: string; secret: string | undefined };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sso-client-package-'));
    sso = await startTestSso();
    await sso.api({ audience: ORDERS, scopes: ['orders:read'] });
    client = await sso.client({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      allowedApis: [ORDERS],
    });
  });
  afterAll(async () => {
    await sso?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('builds, packs, installs from the tarball and works in a fresh project', async () => {
    const npm = (args: string[], cwd: string) =>
      run('npm', args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false' } });

    await npm(['run', 'build'], packageDir);
    const { stdout: packed } = await npm(
      ['pack', '--json', '--ignore-scripts', '--pack-destination', work],
      packageDir,
    );
    const [tarball] = JSON.parse(packed) as { filename: string; files: { path: string }[] }[];
    const files = tarball!.files.map((file) => file.path).sort();
    expect(files).toEqual(
      expect.arrayContaining(['README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts']),
    );
    for (const file of files)
      expect(file).toMatch(/^(README\.md|package\.json|dist\/[\w-]+\.(js|d\.ts))$/);

    const project = join(work, 'consumer');
    await cp(join(packageDir, 'examples'), join(project, 'examples'), { recursive: true });
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    const pinned = await Promise.all(
      ['express', 'koa', '@types/express', '@types/koa', '@types/node'].map(
        async (name) => `${name}@${await installedVersion(name)}`,
      ),
    );
    await npm(
      [
        'install',
        join(work, tarball!.filename),
        ...pinned,
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
      ],
      project,
    );

    // An ES module script: discovery, client credentials and local verification against SSO.
    await writeFile(join(project, 'smoke.mjs'), SMOKE);
    const { stdout } = await run(process.execPath, ['smoke.mjs'], {
      cwd: project,
      env: {
        ...process.env,
        SSO_ISSUER: sso.issuer,
        CLIENT_ID: client.clientId,
        CLIENT_SECRET: client.secret!,
        AUDIENCE: ORDERS,
      },
    });
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      contractScopes: [
        'openid',
        'offline_access',
        'profile',
        'email',
        'phone',
        'address',
        'groups',
      ],
      tokenType: 'Bearer',
      sub: client.clientId,
      scopes: ['orders:read'],
      refused: { code: 'SSO_AUDIENCE_MISMATCH', isSsoError: true },
      deepImport: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    });
    expect(result.exports).toEqual(
      expect.arrayContaining([
        'discoverIssuer',
        'koaWebAuth',
        'expressRequireToken',
        'SsoError',
        'ERROR_CODES',
      ]),
    );

    // The published types: the README examples and a consumer file compile, with library checks on.
    await writeFile(join(project, 'consumer.ts'), CONSUMER);
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          lib: ['es2023'],
          module: 'nodenext',
          moduleResolution: 'nodenext',
          types: ['node'],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        include: ['consumer.ts', 'examples'],
      }),
    );
    const tsc = join(repo, 'node_modules/typescript/bin/tsc');
    const check = await run(process.execPath, [tsc, '-p', project]).catch(
      (error: { stdout: string }) => error,
    );
    // Errors inside other packages' types (e.g. @types/koa against a newer dependency) are theirs.
    const ours = check.stdout
      .split('\n')
      .filter((line) => /error TS/.test(line))
      .filter((line) => !/node_modules\//.test(line) || /node_modules\/@sso\/client\//.test(line));
    expect(ours).toEqual([]);
  }, 120_000);
});
