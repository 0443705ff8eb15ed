// A token revoked by the CLI, while SSO runs as its own process, is inactive at the very next
// introspection. The embedded store answers repeated introspections of one token from memory
// (adapters/sqlite/oidc-records.ts); this is the case that memory must never get wrong: the
// revocation is made by another process, on another connection to the same file. Everything is
// observed from outside: SSO's process over HTTP, the CLI as an operator runs it.
import { afterEach, expect, test } from '@jest/globals';
import { cliSandboxFor, expectJson } from '../cli/cli-process.ts';
import { codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { freshStoreEnv, startInstance } from '../support/instances.ts';
import { describeEachBackend, type Backend } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';

const PASSWORD = 'a long enough password for ada';

describeEachBackend('revocation by another process (%s store)', (backend: Backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  // A refresh token for offline access: it outlives the browser session and is checked against no
  // session, so only its own record (and its grant's) says whether it is still active.
  test('a refresh token introspected again and again is inactive right after the CLI disables its user', async () => {
    const env = await freshStoreEnv(backend, 'revoke', cleanups);
    const server = await startInstance(env, { issuerIsUrl: true });
    cleanups.push(() => server.stop());
    const cli = cliSandboxFor(env);
    expect(
      (await cli.run(['users', 'add', 'ada', '--password-stdin'], { stdin: `${PASSWORD}\n` })).code,
    ).toBe(0);
    const { clientId, clientSecret } = expectJson<{ clientId: string; clientSecret: string }>(
      await cli.run([
        ...['clients', 'add', '--name', 'Web app', '--confidential'],
        ...['--grant', 'authorization_code', '--grant', 'refresh_token'],
        ...['--redirect-uri', REDIRECT_URI, '--json'],
      ]),
    );
    const config = await discover(server.url, clientId, clientSecret);
    const agent = new UserAgent({ ssoOrigin: new URL(server.url).origin });
    const { tokens } = await codeFlow(
      config,
      agent,
      { login: 'ada', password: PASSWORD },
      { redirect_uri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent' },
    );
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const introspect = async () => {
      const response = await fetch(`${server.url}/token/introspection`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ token: tokens.refresh_token! }).toString(),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as { active: boolean; sub?: string };
    };
    for (let i = 0; i < 5; i++) expect(await introspect()).toMatchObject({ active: true });

    expect((await cli.run(['users', 'disable', 'ada'])).code).toBe(0);
    // No wait: the next request already sees the other process's change.
    expect(await introspect()).toEqual({ active: false });
    expect(await introspect()).toEqual({ active: false });
  });
});
