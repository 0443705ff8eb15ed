// Server-side request forgery through registered URLs: back-channel logout requests (and a client's
// jwks_uri) go out through oidc-provider's check that refuses special-use addresses (loopback,
// private networks), except to the hosts listed in SSO_OUTGOING_ALLOWED_HOSTS. Two receivers on
// loopback, one listed (with its port) and one not: a sign-out reaches only the listed one.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, page, UserAgent } from '../support/user-agent.ts';

interface Receiver {
  server: Server;
  url: string;
  received: string[];
}

async function startReceiver(): Promise<Receiver> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(body);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/backchannel-logout`, received };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > 20_000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('outgoing requests to internal addresses', () => {
  let sso: TestSso;
  let listed: Receiver;
  let unlisted: Receiver;
  const lines: string[] = [];
  const apps: oidc.Configuration[] = [];
  let password: string;

  beforeAll(async () => {
    listed = await startReceiver();
    unlisted = await startReceiver();
    sso = await startTestSso({
      env: { SSO_OUTGOING_ALLOWED_HOSTS: `example.invalid, ${new URL(listed.url).host}` },
      log: (line) => lines.push(line),
    });
    password = (await sso.user({ username: 'sam' })).password;
    for (const receiver of [undefined, listed, unlisted]) {
      const registered = await sso.client({
        type: 'confidential',
        grantTypes: ['authorization_code'],
        redirectUris: [REDIRECT_URI],
        firstParty: true,
        ...(receiver ? { backchannelLogoutUri: receiver.url } : {}),
      });
      apps.push(await discover(sso.issuer, registered.clientId, registered.secret));
    }
  });
  afterAll(async () => {
    await sso?.stop();
    for (const receiver of [listed, unlisted]) await new Promise((r) => receiver?.server.close(r));
  });

  test('a sign-out reaches the listed internal host and is refused for any other', async () => {
    const browser = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const signIns = [];
    for (const app of apps) signIns.push(await codeFlow(app, browser, { login: 'sam', password }));
    const endSession = oidc.buildEndSessionUrl(apps[0]!, {
      id_token_hint: signIns[0]!.tokens.id_token!,
    });
    const confirm = page(await browser.open(endSession.href));
    await browser.submit(formTo(confirm, '/session/end/confirm'), {}, { logout: 'yes' });

    const refused = () =>
      lines
        .map(
          (line) =>
            JSON.parse(line) as { msg: string; clientId?: string; error?: { cause?: string } },
        )
        .filter((entry) => entry.msg === 'back-channel logout delivery failed');
    await until(() => listed.received.length === 1 && refused().length === 1, 'both deliveries');
    expect(new URLSearchParams(listed.received[0]).get('logout_token')).toEqual(expect.any(String));
    expect(unlisted.received).toEqual([]);
    expect(refused()[0]).toMatchObject({
      clientId: apps[2]!.clientMetadata().client_id,
      error: { cause: expect.stringMatching(/special-use IP address/) },
    });
  });
});
