// The @sso/client snippet the console shows for an application is ready to paste: for every kind
// of app the console makes, the snippet type-checks as a module against the package's own types.
import { afterAll, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_KINDS } from '../../admin/console/pages/apps.ts';
import { clientSnippet } from '../../admin/console/snippet.ts';
import type { ClientView } from '../../provider/administration/views.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let dir: string | undefined;

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('every kind of app gets a snippet that compiles against @sso/client', async () => {
  dir = await mkdtemp(join(ROOT, 'client-sdk', 'node', '.snippets-'));
  const files: string[] = [];
  for (const [kind, { input }] of Object.entries(APP_KINDS)) {
    const grants: readonly string[] = input.grantTypes;
    const client: ClientView = {
      clientId: `app-${kind}`,
      name: kind,
      type: input.type,
      applicationType: 'native' in input ? 'native' : 'web',
      grantTypes: [...input.grantTypes],
      redirectUris: grants.includes('authorization_code')
        ? ['https://wiki.example.com/auth/callback']
        : [],
      postLogoutRedirectUris: [],
      firstParty: false,
      requireMfa: false,
      allowedApis: grants.includes('client_credentials') ? ['https://api.example.com'] : [],
      resourceServerFor: [],
      idTokenSigningAlg: 'ES256',
      disabled: false,
      system: false,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      version: 1,
    };
    const snippet = clientSnippet('https://sso.example.com', client);
    expect(snippet).toContain(`clientId: "app-${kind}"`);
    expect(snippet.includes('SSO_CLIENT_SECRET')).toBe(input.type === 'confidential');
    const file = `${kind}.ts`;
    await writeFile(join(dir, file), `${snippet}\nexport {};\n`);
    files.push(file);
  }
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ extends: '../tsconfig.json', include: files }),
  );
  const tsc = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir],
    { encoding: 'utf8' },
  );
  expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
  expect(tsc.status).toBe(0);
}, 60_000);
