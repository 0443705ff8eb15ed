// Password reset by email over real HTTP and real SMTP, on both stores: the mail is received by an
// SMTP server in this process and its link followed like a person would. Each test has its own
// users and its own client address (127.0.0.x), so the per-address and per-recipient limits of one
// test never touch another: every test passes alone and in any order.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { createHash, randomBytes } from 'node:crypto';
import { AdminApi } from '../admin/support/admin-api.ts';
import { cliSandboxFor } from '../cli/cli-process.ts';
import { authorizationRequest, codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { linkIn, Mailbox, type ReceivedMail } from '../support/mailbox.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, page, UserAgent, type Page } from '../support/user-agent.ts';

const SMTP_USER = 'sso-mailer';
const SMTP_PASSWORD = 'smtp-Secret-9f2c';
const FROM = 'SSO <sso@example.test>';
const OLD_PASSWORD = 'old password of mine';
const NEW_PASSWORD = 'brand new password 2';
// The limits this suite runs with (small, so that exact counts are quick to reach).
const ADDRESS_LIMIT = 5;
const RECIPIENT_LIMIT = 3;
const CHECK_EMAIL = 'Check your email';

describeEachBackend('password reset by email (%s store)', (backend) => {
  let mailbox: Mailbox;
  let sso: TestSso;
  let app: oidc.Configuration;
  const logLines: string[] = [];
  let serial = 0;
  // Each test's own client address (and names), whatever order the tests run in.
  const fresh = () => {
    serial += 1;
    return { n: serial, address: `127.0.0.${20 + serial}` };
  };

  beforeAll(async () => {
    mailbox = await Mailbox.start({ auth: { user: SMTP_USER, pass: SMTP_PASSWORD } });
    sso = await startTestSso({
      backend,
      log: (line) => logLines.push(line),
      env: {
        SSO_SMTP_URL: mailbox.url,
        SSO_MAIL_FROM: FROM,
        SSO_MAIL_ADDRESS_LIMIT: String(ADDRESS_LIMIT),
        SSO_MAIL_RECIPIENT_LIMIT: String(RECIPIENT_LIMIT),
      },
    });
    const client = await sso.client({
      type: 'confidential',
      name: 'Reset App',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    });
    app = await discover(sso.issuer, client.clientId, client.secret);
  });
  afterAll(async () => {
    await sso?.stop();
    await mailbox?.stop();
  });

  const browser = (address: string) =>
    new UserAgent({ ssoOrigin: new URL(sso.issuer).origin, localAddress: address });
  const person = async (n: number, fields: { email?: string; disabled?: boolean } = {}) => {
    const username = `reset${n}-${backend}`;
    const email = 'email' in fields ? fields.email : `${username}@example.test`;
    const user = await sso.user(
      { username, ...(email !== undefined ? { email } : {}) },
      OLD_PASSWORD,
    );
    if (fields.disabled) await sso.accounts.setDisabled(username, true);
    return { ...user, email };
  };
  // Asks for a reset link on the forgot-password page as `login`, from `agent`.
  const ask = async (agent: UserAgent, login: string): Promise<Page> => {
    const forgot = page(await agent.open(`${sso.issuer}/password/forgot`));
    return page(await agent.submit(formTo(forgot, '/password/forgot'), { login }));
  };
  const mailsTo = async (email: string): Promise<ReceivedMail[]> => {
    await sso.background.idle();
    return mailbox.to(email);
  };
  const resetLink = (mail: ReceivedMail) => linkIn(mail, sso.issuer, '/password/reset');
  // Follows `link` and sets `password` (twice, or `repeat`).
  const setPassword = async (
    agent: UserAgent,
    link: string,
    password: string,
    repeat = password,
  ) => {
    const form = page(await agent.open(link));
    expect(form.status).toBe(200);
    return page(await agent.submit(formTo(form, '/password/reset'), { password, repeat }));
  };
  const signInRefused = async (agent: UserAgent, login: string, password: string) => {
    const request = await authorizationRequest(app);
    const loginPage = page(await agent.open(request.url.href));
    const answer = page(await agent.submit(formTo(loginPage, '/login'), { login, password }));
    return answer.html.includes('Incorrect username or password.');
  };
  const events = async (accountId: string, type: string) =>
    (await sso.audit.list({ user: accountId, type, limit: 100 })).filter((e) => e.type === type);

  test('end to end: the link in the mail sets a new password; the old one and every earlier token stop working', async () => {
    const { n, address } = fresh();
    const user = await person(n);
    const agent = browser(address);
    const { tokens } = await codeFlow(
      app,
      agent,
      { login: user.username, password: OLD_PASSWORD },
      { scope: 'openid offline_access', prompt: 'consent' },
    );

    // From the login page's link, as a person would (in a browser that is not signed in).
    const visitor = browser(address);
    const request = await authorizationRequest(app);
    const login = page(await visitor.open(request.url.href));
    const href = /<a href="([^"]*)" id="forgot-password">Forgot password\?<\/a>/.exec(
      login.html,
    )?.[1];
    expect(href).toMatch(/^\/password\/forgot\?return=[\w-]+$/);
    const forgot = page(await visitor.open(new URL(href!, sso.issuer).href));
    expect(forgot.status).toBe(200);
    expect(forgot.html).toContain('id="back-to-sign-in"');
    const sent = page(
      await visitor.submit(formTo(forgot, '/password/forgot'), { login: user.email! }),
    );
    expect(sent.status).toBe(200);
    expect(sent.html).toContain(CHECK_EMAIL);
    expect(sent.html).toContain('It works once, for 30 minutes.');

    const mails = await mailsTo(user.email!);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.from).toEqual({ name: 'SSO', address: 'sso@example.test' });
    expect(mail.subject).toBe(`Reset your password at ${new URL(sso.issuer).host}`);
    expect(mail.text).toContain(`for the account "${user.username}"`);
    expect(mail.text).toContain('Open it within 30 minutes; it works once');
    const link = resetLink(mail);
    expect(link).toMatch(
      new RegExp(`^${sso.issuer}/password/reset\\?token=[0-9a-z]+\\.[\\w-]{43}$`),
    );

    const done = await setPassword(visitor, link, NEW_PASSWORD);
    expect(done.status).toBe(200);
    expect(done.html).toContain('Password changed');

    expect(await signInRefused(browser(address), user.username, OLD_PASSWORD)).toBe(true);
    const again = await codeFlow(app, browser(address), {
      login: user.username,
      password: NEW_PASSWORD,
    });
    expect(again.tokens.claims()!.sub).toBe(user.id);
    // Every token from before: the access token and the offline refresh token.
    expect((await oidc.tokenIntrospection(app, tokens.access_token)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(app, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    const [reset] = await events(user.id, 'password.reset');
    expect(reset).toMatchObject({ username: user.username, ip: address });
    const [asked] = await events(user.id, 'password.reset.request');
    expect(asked).toMatchObject({ ip: address, details: { outcome: 'sent' } });
    // Neither the link nor the SMTP password is in the service's log.
    const token = new URL(link).searchParams.get('token')!;
    expect(logLines.join('')).not.toContain(token);
    expect(logLines.join('')).not.toContain(SMTP_PASSWORD);
  });

  test('no enumeration: unknown, disabled and address-less accounts get the identical page and no mail', async () => {
    const { n, address } = fresh();
    const known = await person(n);
    const disabled = await person(n + 1000, { disabled: true });
    const noEmail = await person(n + 2000, { email: undefined });
    const agent = browser(address);
    const answers = [];
    for (const login of [
      known.username,
      `nobody${n}`,
      `nobody${n}@example.test`,
      disabled.username,
      noEmail.username,
    ]) {
      answers.push(await ask(agent, login));
    }
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.html).toBe(answers[0]!.html);
    }
    await sso.background.idle();
    expect(mailbox.to(known.email!)).toHaveLength(1);
    expect(mailbox.to(`nobody${n}@example.test`)).toHaveLength(0);
    expect(mailbox.to(disabled.email!)).toHaveLength(0);
    const outcomes = (
      await sso.audit.list({ ip: address, type: 'password.reset.request', limit: 10 })
    )
      .map((event) => event.details?.outcome)
      .sort();
    expect(outcomes).toEqual(['disabled', 'no_email', 'sent', 'unknown_user', 'unknown_user']);
  });

  test(`per client address: ${ADDRESS_LIMIT} requests an hour, then 429 with Retry-After; other addresses go on`, async () => {
    const { n, address } = fresh();
    const agent = browser(address);
    for (let i = 0; i < ADDRESS_LIMIT; i++) {
      expect((await ask(agent, `nobody${n}-${i}`)).status).toBe(200);
    }
    const forgot = page(await agent.open(`${sso.issuer}/password/forgot`));
    const response = await agent.request(formTo(forgot, '/password/forgot').action, {
      method: 'POST',
      body: new URLSearchParams({ login: `nobody${n}-last` }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(await response.text()).toMatch(
      /Too many requests from your network\. Try again in (60 minutes|1 hour)\./,
    );
    expect((await ask(browser(fresh().address), `nobody${n}-elsewhere`)).status).toBe(200);
  });

  test(`per recipient: ${RECIPIENT_LIMIT} mails an hour, then the same answer and no mail`, async () => {
    const { n, address } = fresh();
    const user = await person(n);
    const agent = browser(address);
    const answers = [];
    for (let i = 0; i < RECIPIENT_LIMIT + 1; i++) answers.push(await ask(agent, user.username));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(answers.map((answer) => answer.html)).size).toBe(1);
    expect(await mailsTo(user.email!)).toHaveLength(RECIPIENT_LIMIT);
    const outcomes = (await events(user.id, 'password.reset.request')).map(
      (e) => e.details?.outcome,
    );
    expect(outcomes.sort()).toEqual(['recipient_limited', 'sent', 'sent', 'sent']);
  });

  test('a link works once (then 410), and using one ends the other links of that user (403)', async () => {
    const { n, address } = fresh();
    const user = await person(n);
    const agent = browser(address);
    await ask(agent, user.username);
    await ask(agent, user.username);
    const [first, second] = (await mailsTo(user.email!)).map(resetLink);
    expect(first).not.toBe(second);
    expect((await setPassword(agent, first!, NEW_PASSWORD)).status).toBe(200);

    const used = page(await agent.open(first!));
    expect(used.status).toBe(410);
    expect(used.html).toContain('This link has been used; it works only once.');
    expect(used.html).toContain('href="/password/forgot"');
    const other = page(await agent.open(second!));
    expect(other.status).toBe(403);
    expect(other.html).toContain('This link is not valid (any more)');
    // Posting the form of a used link changes nothing either.
    const token = new URL(first!).searchParams.get('token')!;
    const posted = await agent.request(`${sso.issuer}/password/reset`, {
      method: 'POST',
      body: new URLSearchParams({
        token,
        password: 'yet another password 3',
        repeat: 'yet another password 3',
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(posted.status).toBe(410);
    expect(await sso.accounts.authenticate(user.username, NEW_PASSWORD)).toBeDefined();
  });

  test('a link dies when its account changes email address (403) or is disabled (403)', async () => {
    const { n, address } = fresh();
    const moved = await person(n);
    const disabled = await person(n + 1000);
    const agent = browser(address);
    await ask(agent, moved.username);
    await ask(agent, disabled.username);
    const [movedLink] = (await mailsTo(moved.email!)).map(resetLink);
    const [disabledLink] = (await mailsTo(disabled.email!)).map(resetLink);
    await sso.accounts.update(moved.username, { email: `elsewhere${n}@example.test` });
    await sso.accounts.setDisabled(disabled.username, true);
    for (const link of [movedLink!, disabledLink!]) {
      const dead = page(await agent.open(link));
      expect([dead.status, dead.html.includes('This link is not valid (any more)')]).toEqual([
        403,
        true,
      ]);
    }
    expect(await sso.accounts.authenticate(moved.username, OLD_PASSWORD)).toBeDefined();
  });

  test('two uses of one link at once: exactly one sets the password', async () => {
    const { n, address } = fresh();
    const user = await person(n);
    await ask(browser(address), user.username);
    const [link] = (await mailsTo(user.email!)).map(resetLink);
    const token = new URL(link!).searchParams.get('token')!;
    const passwords = ['first racer password', 'second racer password'];
    const statuses = await Promise.all(
      passwords.map((password) =>
        browser(address)
          .request(`${sso.issuer}/password/reset`, {
            method: 'POST',
            body: new URLSearchParams({ token, password, repeat: password }).toString(),
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          })
          .then((response) => response.status),
      ),
    );
    expect([...statuses].sort()).toEqual([200, 410]);
    const winner = passwords[statuses.indexOf(200)]!;
    expect(await sso.accounts.authenticate(user.username, winner)).toBeDefined();
    expect(await events(user.id, 'password.reset')).toHaveLength(1);
  });

  test('forged and malformed links get readable pages: 403, 410 and 400, never a 500', async () => {
    const agent = browser(fresh().address);
    const future = Math.ceil(Date.now() / 1000 + 600).toString(36);
    const past = Math.ceil(Date.now() / 1000 - 600).toString(36);
    const random = randomBytes(32).toString('base64url');
    const cases: [string, number, string][] = [
      [`${future}.${random}`, 403, 'Link not valid'],
      [`${past}.${random}`, 410, 'Link expired'],
      ['not-a-token', 400, 'Link not complete'],
      ['', 400, 'Link not complete'],
      [`${future}.${random}`.slice(0, -5), 400, 'Link not complete'],
    ];
    for (const [token, status, title] of cases) {
      const opened = page(
        await agent.open(`${sso.issuer}/password/reset?token=${encodeURIComponent(token)}`),
      );
      expect([opened.status, opened.html.includes(title)]).toEqual([status, true]);
      const posted = await agent.request(`${sso.issuer}/password/reset`, {
        method: 'POST',
        body: new URLSearchParams({
          token,
          password: NEW_PASSWORD,
          repeat: NEW_PASSWORD,
        }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(posted.status).toBe(status);
    }
    // The hash of a forged token names no record either way (the store keeps no token).
    const forged = `${future}.${random}`;
    const hashed = createHash('sha256').update(forged).digest('base64url');
    expect(await sso.store.oidc.find('Ticket', `reset:${hashed}`)).toBeUndefined();
  });

  test('passwords that differ or are common get the form again (400), and the link still works', async () => {
    const { n, address } = fresh();
    const user = await person(n);
    const agent = browser(address);
    await ask(agent, user.username);
    const [link] = (await mailsTo(user.email!)).map(resetLink);
    const differ = await setPassword(agent, link!, NEW_PASSWORD, `${NEW_PASSWORD}!`);
    expect(differ.status).toBe(400);
    expect(differ.html).toContain('The two passwords differ.');
    const common = await setPassword(agent, link!, 'password123');
    expect(common.status).toBe(400);
    expect(common.html).toContain('This password is one of the most common ones');
    const short = await setPassword(agent, link!, 'short');
    expect(short.status).toBe(400);
    expect(short.html).toContain('Password must be 8 to 256 characters long.');
    expect(await sso.accounts.authenticate(user.username, OLD_PASSWORD)).toBeDefined();
    expect((await setPassword(agent, link!, NEW_PASSWORD)).status).toBe(200);
  });

  describe('sent by an administrator', () => {
    test('through the admin API: at once, with "an administrator asked"; the link works', async () => {
      const { n, address } = fresh();
      const user = await person(n);
      const api = await AdminApi.of(sso);
      const token = await api.machineToken();
      const sent = await api.call('POST', `/users/${user.id}/password-reset`, { token });
      expect(sent.status).toBe(200);
      expect(sent.body).toMatchObject({ username: user.username, email: user.email });
      const expiresAt = Date.parse(String(sent.body.expiresAt));
      expect(expiresAt).toBeGreaterThan(Date.now() + 29 * 60_000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * 60_000 + 1000);
      const mails = mailbox.to(user.email!);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.text).toContain('An administrator asked SSO to send you a link');
      expect((await setPassword(browser(address), resetLink(mails[0]!), NEW_PASSWORD)).status).toBe(
        200,
      );
      const [event] = await events(user.id, 'password.reset.send');
      expect(event?.actor).toMatch(/^client:/);

      // Refused: a user without an address, a disabled user, a user who does not exist.
      const noEmail = await person(n + 1000, { email: undefined });
      const disabled = await person(n + 2000, { disabled: true });
      for (const [id, status, detail] of [
        [noEmail.id, 400, `user "${noEmail.username}" has no email address`],
        [disabled.id, 400, `user "${disabled.username}" is disabled: enable them first`],
        ['nobody', 404, 'user "nobody" not found'],
      ] as const) {
        const refused = await api.call('POST', `/users/${id}/password-reset`, { token });
        expect([refused.status, refused.body.detail]).toEqual([status, detail]);
      }
      expect(mailbox.to(noEmail.email ?? 'none')).toHaveLength(0);
      expect(mailbox.to(disabled.email!)).toHaveLength(0);
    });

    test('through the CLI: sso users send-reset <user>', async () => {
      const { n, address } = fresh();
      const user = await person(n);
      const cli = cliSandboxFor(sso.storeEnv);
      const env = { SSO_ISSUER: sso.issuer, SSO_SMTP_URL: mailbox.url, SSO_MAIL_FROM: FROM };
      const result = await cli.run(['users', 'send-reset', user.username], { env });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        new RegExp(
          `^Sent a password-reset link to ${user.email} \\(works until \\d{4}-.*Z\\)\\.\\n$`,
        ),
      );
      const mails = mailbox.to(user.email!);
      expect(mails).toHaveLength(1);
      expect((await setPassword(browser(address), resetLink(mails[0]!), NEW_PASSWORD)).status).toBe(
        200,
      );
      const json = await cli.run(['users', 'send-reset', user.email!, '--json'], { env });
      expect(JSON.parse(json.stdout)).toMatchObject({ username: user.username, email: user.email });
      const unknown = await cli.run(['users', 'send-reset', `nobody${n}`], { env });
      expect([unknown.code, unknown.stderr]).toEqual([1, `sso: user "nobody${n}" not found\n`]);
    });

    test('through the console: the button on the user page', async () => {
      const { n, address } = fresh();
      const user = await person(n);
      const admin = `admin${n}-${backend}`;
      await sso.user({ username: admin, groups: ['sso-admins'] }, 'console password 1');
      const agent = browser(address);
      const login = page(await agent.open(`${sso.issuer}/admin/users/${user.id}`));
      const userPage = page(
        await agent.submit(formTo(login, '/login'), {
          login: admin,
          password: 'console password 1',
        }),
      );
      expect(userPage.html).toContain('id="send-reset"');
      const done = page(await agent.submit(formTo(userPage, `/users/${user.id}/password-reset`)));
      expect(done.status).toBe(200);
      expect(done.html).toContain(`Sent a password-reset link to ${user.email}.`);
      expect(mailbox.to(user.email!)).toHaveLength(1);
      const noEmail = await person(n + 1000, { email: undefined });
      const other = page(await agent.open(`${sso.issuer}/admin/users/${noEmail.id}`));
      const refused = page(
        await agent.submit(formTo(other, `/users/${noEmail.id}/password-reset`)),
      );
      expect(refused.status).toBe(400);
      expect(refused.html).toContain(`user &#34;${noEmail.username}&#34; has no email address`);
    });
  });
});

describeEachBackend('password reset links expire (%s store)', (backend) => {
  let mailbox: Mailbox;
  let sso: TestSso;
  const TTL_SECONDS = 2;

  beforeAll(async () => {
    mailbox = await Mailbox.start();
    sso = await startTestSso({
      backend,
      env: {
        SSO_SMTP_URL: mailbox.url,
        SSO_MAIL_FROM: FROM,
        SSO_RESET_LINK_TTL: `${TTL_SECONDS}s`,
      },
    });
  });
  afterAll(async () => {
    await sso?.stop();
    await mailbox?.stop();
  });

  test('a link opened after SSO_RESET_LINK_TTL gets the "expired" page (410), and sets nothing', async () => {
    const user = await sso.user(
      { username: `late-${backend}`, email: `late-${backend}@example.test` },
      OLD_PASSWORD,
    );
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const forgot = page(await agent.open(`${sso.issuer}/password/forgot`));
    await agent.submit(formTo(forgot, '/password/forgot'), { login: user.username });
    await sso.background.idle();
    const [mail] = mailbox.to(`late-${backend}@example.test`);
    expect(mail!.text).toContain('Open it within 2 seconds');
    const link = linkIn(mail!, sso.issuer, '/password/reset');
    await new Promise((resolve) => setTimeout(resolve, (TTL_SECONDS + 2) * 1000));
    const expired = page(await agent.open(link));
    expect(expired.status).toBe(410);
    expect(expired.html).toContain('This link has expired.');
    const token = new URL(link).searchParams.get('token')!;
    const posted = await agent.request(`${sso.issuer}/password/reset`, {
      method: 'POST',
      body: new URLSearchParams({ token, password: NEW_PASSWORD, repeat: NEW_PASSWORD }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(posted.status).toBe(410);
    expect(await sso.accounts.authenticate(user.username, OLD_PASSWORD)).toBeDefined();
  });
});
