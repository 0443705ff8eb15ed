// What the features that need mail do without it: no SMTP configured (the pages say so, one start-up
// line says so, nothing breaks), registration off by default, a mail server that is down (the same
// answer, one log line without the link), and SSO_SMTP_URL values that cannot be used (refused
// without repeating the password they hold).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { AdminApi } from '../admin/support/admin-api.ts';
import { cliSandboxFor } from '../cli/cli-process.ts';
import { authorizationRequest, discover, REDIRECT_URI } from '../support/flows.ts';
import { describeEachBackend, freePort, startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, page, UserAgent } from '../support/user-agent.ts';
import { loadConfig } from '../../provider/config.ts';

const FROM = 'SSO <sso@example.test>';

// The login page of a fresh authorization request to `sso`.
async function loginPage(sso: TestSso, agent: UserAgent) {
  const client = await sso.client({
    type: 'confidential',
    name: `App ${Math.random()}`,
    grantTypes: ['authorization_code'],
    redirectUris: [REDIRECT_URI],
  });
  const app = await discover(sso.issuer, client.clientId, client.secret);
  return page(await agent.open((await authorizationRequest(app)).url.href));
}

const post = (agent: UserAgent, url: string, fields: Record<string, string>) =>
  agent.request(url, {
    method: 'POST',
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

describeEachBackend('no mail server configured (%s store)', (backend) => {
  let sso: TestSso;
  const logLines: string[] = [];

  beforeAll(async () => {
    sso = await startTestSso({
      backend,
      log: (line) => logLines.push(line),
      env: { SSO_SELF_REGISTRATION: 'true' },
    });
  });
  afterAll(async () => {
    await sso?.stop();
  });

  test('start-up says so in one line; the pages say so (404), and no route answers a 500', async () => {
    const lines = logLines.filter((line) => line.includes('SSO_SMTP_URL'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'warn',
      msg: 'no mail server (SSO_SMTP_URL): password reset by email and self-registration (SSO_SELF_REGISTRATION) are off',
    });
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const login = await loginPage(sso, agent);
    expect(login.html).toContain('id="forgot-password"');
    expect(login.html).toContain('id="create-account"');

    const reset =
      'Password reset by email is not set up here; ask an administrator to set a new password for you.';
    const register =
      'Creating an account by email is not set up here; ask an administrator for an account.';
    for (const [path, message] of [
      ['/password/forgot', reset],
      ['/password/reset?token=abc', reset],
      ['/register', register],
      ['/register/verify?token=abc', register],
    ] as const) {
      const opened = page(await agent.open(`${sso.issuer}${path}`));
      expect([path, opened.status, opened.html.includes(message)]).toEqual([path, 404, true]);
      const posted = await post(agent, `${sso.issuer}${path.split('?')[0]}`, {
        login: 'someone',
        username: 'someone',
        email: 'someone@example.test',
        password: 'a long password 1',
        repeat: 'a long password 1',
        token: 'abc',
      });
      expect([path, posted.status, (await posted.text()).includes(message)]).toEqual([
        path,
        404,
        true,
      ]);
    }
    expect(logLines.filter((line) => /"level":"error"/.test(line))).toEqual([]);
  });

  test('an administrator is told too: the admin API answers 403, the CLI one line and exit 1', async () => {
    const user = await sso.user({ username: `nomail-${backend}`, email: 'nomail@example.test' });
    const api = await AdminApi.of(sso);
    const answer = await api.call('POST', `/users/${user.id}/password-reset`, {
      token: await api.machineToken(),
    });
    expect([answer.status, answer.body.code]).toEqual([403, 'forbidden']);
    const cli = await cliSandboxFor(sso.storeEnv).run(['users', 'send-reset', user.username]);
    expect([cli.code, cli.stderr]).toEqual([
      1,
      'sso: Password reset by email is not set up here: SSO has no mail server (SSO_SMTP_URL)\n',
    ]);
  });
});

describe('self-registration is off by default', () => {
  let sso: TestSso;

  beforeAll(async () => {
    // A mail server is configured (it is never reached: nothing here sends).
    sso = await startTestSso({
      env: { SSO_SMTP_URL: `smtp://127.0.0.1:${await freePort()}`, SSO_MAIL_FROM: FROM },
    });
  });
  afterAll(async () => {
    await sso?.stop();
  });

  test('no "Create an account" on the login page; the pages answer "not offered" (404)', async () => {
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const login = await loginPage(sso, agent);
    expect(login.html).toContain('id="forgot-password"');
    expect(login.html).not.toContain('create-account');
    const message = 'Creating an account here is not offered; ask an administrator for one.';
    for (const path of ['/register', '/register/verify?token=abc']) {
      const opened = page(await agent.open(`${sso.issuer}${path}`));
      expect([opened.status, opened.html.includes(message)]).toEqual([404, true]);
    }
    const posted = await post(agent, `${sso.issuer}/register`, {
      username: 'someone',
      email: 'someone@example.test',
      password: 'a long password 1',
      repeat: 'a long password 1',
    });
    expect(posted.status).toBe(404);
    await sso.background.idle();
    expect(await sso.accounts.findByLogin('someone')).toBeUndefined();
  });
});

describeEachBackend('the mail server is down (%s store)', (backend) => {
  let sso: TestSso;
  const logLines: string[] = [];
  const SMTP_PASSWORD = 'down-Secret-77';
  let smtpUrl: string;

  beforeAll(async () => {
    // Nothing listens on this port.
    smtpUrl = `smtp://sso:${SMTP_PASSWORD}@127.0.0.1:${await freePort()}`;
    sso = await startTestSso({
      backend,
      log: (line) => logLines.push(line),
      env: { SSO_SMTP_URL: smtpUrl, SSO_MAIL_FROM: FROM },
    });
  });
  afterAll(async () => {
    await sso?.stop();
  });

  test('a reset request gets the same answer; the log says delivery failed, without the link', async () => {
    const user = await sso.user({ username: `down-${backend}`, email: 'down@example.test' });
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const ask = async (login: string) => {
      const forgot = page(await agent.open(`${sso.issuer}/password/forgot`));
      return page(await agent.submit(formTo(forgot, '/password/forgot'), { login }));
    };
    const known = await ask(user.username);
    const unknown = await ask(`nobody-${backend}`);
    expect(known.status).toBe(200);
    expect(known.html).toBe(unknown.html);
    await sso.background.idle();

    const failures = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'mail delivery failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      level: 'warn',
      mail: 'password-reset',
      accountId: user.id,
      code: 'ESOCKET',
    });
    const log = logLines.join('');
    expect(log).not.toContain('/password/reset?token=');
    expect(log).not.toContain(SMTP_PASSWORD);
    expect(log).not.toContain('"level":"error"');
    // The link that could not be sent was not kept.
    const [event] = await sso.audit.list({
      user: user.id,
      type: 'password.reset.request',
      limit: 5,
    });
    expect(event?.details).toEqual({ outcome: 'delivery_failed' });
    expect((await sso.store.oidc.listByAccountId('Ticket', user.id)).length).toBe(0);
  });

  test('an administrator is told: the admin API answers 503, the CLI one line and exit 1', async () => {
    const user = await sso.user({ username: `down-admin-${backend}`, email: 'down2@example.test' });
    const api = await AdminApi.of(sso);
    const answer = await api.call('POST', `/users/${user.id}/password-reset`, {
      token: await api.machineToken(),
    });
    expect([answer.status, answer.body.code, answer.body.detail]).toEqual([
      503,
      'mail_undelivered',
      'the mail server did not take the message; try again later',
    ]);
    const cli = await cliSandboxFor(sso.storeEnv).run(['users', 'send-reset', user.username], {
      env: { SSO_SMTP_URL: smtpUrl, SSO_MAIL_FROM: FROM },
    });
    expect([cli.code, cli.stderr]).toEqual([
      1,
      'sso: the mail server did not take the message; try again later\n',
    ]);
    expect(logLines.join('')).not.toContain(SMTP_PASSWORD);
  });
});

describe('SSO_SMTP_URL and SSO_MAIL_FROM', () => {
  const secret = 'hunter2-in-the-url';
  test.each([
    [`http://user:${secret}@mail.example.test`, 'must be an smtp:// or smtps:// URL'],
    [`smtp://user:${secret}@`, 'must be an smtp:// or smtps:// URL'],
    [`smtp://user:${secret}@mail.example.test/path`, 'must name a host and nothing after it'],
    [`not a url ${secret}`, 'must be an smtp:// or smtps:// URL'],
  ])('%s is refused without repeating its password', (url, problem) => {
    let message = '';
    try {
      loadConfig({ SSO_SMTP_URL: url, SSO_MAIL_FROM: FROM });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`invalid configuration: SSO_SMTP_URL ${problem}`);
    expect(message).not.toContain(secret);
  });

  test('SSO_MAIL_FROM is required with SSO_SMTP_URL, and must be an address', () => {
    expect(() => loadConfig({ SSO_SMTP_URL: 'smtps://mail.example.test' })).toThrow(
      'invalid configuration: SSO_MAIL_FROM is required with SSO_SMTP_URL',
    );
    expect(() =>
      loadConfig({ SSO_SMTP_URL: 'smtps://mail.example.test', SSO_MAIL_FROM: 'nobody' }),
    ).toThrow('invalid configuration: SSO_MAIL_FROM must be an address');
    const config = loadConfig({
      SSO_SMTP_URL: 'smtps://u:p@mail.example.test:465',
      SSO_MAIL_FROM: 'SSO <sso@example.test>',
    });
    expect(config.mail).toEqual({
      smtpUrl: 'smtps://u:p@mail.example.test:465',
      from: 'SSO <sso@example.test>',
    });
    expect(config.people).toEqual({
      resetLinkTtl: 1800,
      selfRegistration: false,
      registrationLinkTtl: 86400,
      mailLimits: { perRecipient: 3, perAddress: 20, window: 3600 },
    });
  });
});
