// Self-registration over real HTTP and real SMTP, on both stores (SSO_SELF_REGISTRATION=true): the
// verification mail is received by an SMTP server in this process and its link followed. Each test
// has its own names and client address, so tests pass alone and in any order.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { createHash } from 'node:crypto';
import { authorizationRequest, codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { linkIn, Mailbox, type ReceivedMail } from '../support/mailbox.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, page, UserAgent, type Page } from '../support/user-agent.ts';

const FROM = 'SSO <sso@example.test>';
const PASSWORD = 'my own new account 7';
const ADDRESS_LIMIT = 4;

describeEachBackend('self-registration (%s store)', (backend) => {
  let mailbox: Mailbox;
  let sso: TestSso;
  let app: oidc.Configuration;
  let serial = 0;
  const fresh = () => {
    serial += 1;
    const name = `new${serial}-${backend}`;
    return { name, email: `${name}@example.test`, address: `127.0.1.${20 + serial}` };
  };

  beforeAll(async () => {
    mailbox = await Mailbox.start();
    sso = await startTestSso({
      backend,
      env: {
        SSO_SELF_REGISTRATION: 'true',
        SSO_SMTP_URL: mailbox.url,
        SSO_MAIL_FROM: FROM,
        SSO_MAIL_ADDRESS_LIMIT: String(ADDRESS_LIMIT),
      },
    });
    const client = await sso.client({
      type: 'confidential',
      name: 'Registration App',
      grantTypes: ['authorization_code'],
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
  const register = async (
    agent: UserAgent,
    fields: { username: string; email: string; password?: string; repeat?: string },
  ): Promise<Page> => {
    const form = page(await agent.open(`${sso.issuer}/register`));
    const password = fields.password ?? PASSWORD;
    return page(
      await agent.submit(formTo(form, '/register'), {
        username: fields.username,
        email: fields.email,
        password,
        repeat: fields.repeat ?? password,
      }),
    );
  };
  const mailsTo = async (email: string): Promise<ReceivedMail[]> => {
    await sso.background.idle();
    return mailbox.to(email);
  };
  const verifyLink = (mail: ReceivedMail) => linkIn(mail, sso.issuer, '/register/verify');
  const confirm = async (agent: UserAgent, link: string): Promise<Page> => {
    const question = page(await agent.open(link));
    expect(question.status).toBe(200);
    return page(await agent.submit(formTo(question, '/register/verify')));
  };

  test('end to end: "Create an account" on the login page, a verification mail, the account made verified when the link is followed, then sign-in', async () => {
    const { name, email, address } = fresh();
    const agent = browser(address);
    const request = await authorizationRequest(app);
    const login = page(await agent.open(request.url.href));
    const href = /<a href="([^"]*)" id="create-account">Create an account<\/a>/.exec(
      login.html,
    )?.[1];
    expect(href).toMatch(/^\/register\?return=[\w-]+$/);
    const form = page(await agent.open(new URL(href!, sso.issuer).href));
    const sent = page(
      await agent.submit(formTo(form, '/register'), {
        username: name,
        email: email.toUpperCase(),
        password: PASSWORD,
        repeat: PASSWORD,
      }),
    );
    expect(sent.status).toBe(200);
    expect(sent.html).toContain('Check your email');
    expect(sent.html).toContain('id="back-to-sign-in"');

    const [mail, ...more] = await mailsTo(email);
    expect(more).toHaveLength(0);
    expect(mail!.subject).toBe(`Confirm your email address at ${new URL(sso.issuer).host}`);
    expect(mail!.text).toContain(`an account "${name}"`);
    expect(mail!.text).toContain('within 1 day');
    const link = verifyLink(mail!);
    // Nothing is made before the link is followed; the pending registration holds a hash only.
    expect(await sso.accounts.findByLogin(name)).toBeUndefined();
    const token = new URL(link).searchParams.get('token')!;
    const ticketId = `register:${createHash('sha256').update(token).digest('base64url')}`;
    const pending = await sso.store.oidc.find('Ticket', ticketId);
    expect(String(pending?.passwordHash)).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(pending)).not.toContain(PASSWORD);

    // Opening the link only asks; confirming creates the account.
    const question = page(await agent.open(link));
    expect(question.html).toContain(`Create the account <strong>${name}</strong>`);
    expect(await sso.accounts.findByLogin(name)).toBeUndefined();
    const created = page(await agent.submit(formTo(question, '/register/verify')));
    expect(created.status).toBe(200);
    expect(created.html).toContain(`Your account ${name} is ready`);
    expect(await sso.store.oidc.find('Ticket', ticketId)).toBeUndefined();

    const account = await sso.accounts.findByLogin(name);
    expect(account).toMatchObject({ username: name, email, emailVerified: true, disabled: false });
    const { tokens } = await codeFlow(app, browser(address), { login: email, password: PASSWORD });
    const userinfo = await oidc.fetchUserInfo(app, tokens.access_token, account!.id);
    expect(userinfo).toMatchObject({ email, email_verified: true, preferred_username: name });
    const [event] = await sso.audit.list({ user: account!.id, type: 'user.register', limit: 5 });
    expect(event).toMatchObject({ actor: `account:${account!.id}`, ip: address });
  });

  test('no enumeration: an address that has an account gets the identical page; its mailbox a note, no link; nothing is made', async () => {
    const { name, email, address } = fresh();
    await sso.user({ username: `${name}-owner`, email }, 'owner password 5');
    const other = fresh();
    const agent = browser(address);
    const taken = await register(agent, { username: name, email });
    const free = await register(agent, { username: other.name, email: other.email });
    expect(taken.status).toBe(200);
    expect(taken.html).toBe(free.html);
    const [note, ...more] = await mailsTo(email);
    expect(more).toHaveLength(0);
    expect(note!.subject).toBe(`Your account at ${new URL(sso.issuer).host}`);
    expect(note!.text).toContain(`already belongs to the account "${name}-owner"`);
    expect(note!.text).toContain(`${sso.issuer}/password/forgot`);
    expect(note!.text).not.toContain('/register/verify');
    expect(await sso.accounts.findByLogin(name)).toBeUndefined();
    expect(await mailsTo(other.email)).toHaveLength(1);
  });

  test('input that breaks a rule is told at once (400) and nothing is mailed', async () => {
    const { name, email, address } = fresh();
    const agent = browser(address);
    const cases: [Record<string, string>, string][] = [
      [{ username: 'Not Valid!', email }, 'A username is 1 to 64 letters, digits'],
      [{ username: name, email: 'not-an-address' }, 'That is not an email address.'],
      [
        { username: name, email, password: 'iloveyou1' },
        'This password is one of the most common ones',
      ],
      [{ username: name, email, password: 'short' }, 'Password must be 8 to 256 characters long.'],
      [{ username: name, email, repeat: `${PASSWORD}!` }, 'The two passwords differ.'],
      [{ username: '', email }, 'Fill in every field.'],
    ];
    for (const [fields, message] of cases) {
      const answer = await register(agent, { username: '', email: '', ...fields });
      expect([answer.status, answer.html.includes(message)]).toEqual([400, true]);
      // What was typed comes back, but never the password.
      expect(answer.html).not.toContain(fields.password ?? PASSWORD);
    }
    expect(await mailsTo(email)).toHaveLength(0);
  });

  test('a username taken by the time the link is followed gets a readable page (409), and nothing is made', async () => {
    const { name, email, address } = fresh();
    const agent = browser(address);
    await register(agent, { username: name, email });
    const [mail] = await mailsTo(email);
    await sso.user({ username: name }, 'quicker person 4');
    const refused = await confirm(agent, verifyLink(mail!));
    expect(refused.status).toBe(409);
    expect(refused.html).toContain(`The username ${name} was taken meanwhile.`);
    expect(await sso.accounts.findByLogin(email)).toBeUndefined();
  });

  test('a verification link works once: then 410', async () => {
    const { name, email, address } = fresh();
    const agent = browser(address);
    await register(agent, { username: name, email });
    const [mail] = await mailsTo(email);
    const link = verifyLink(mail!);
    expect((await confirm(agent, link)).status).toBe(200);
    const again = page(await agent.open(link));
    expect(again.status).toBe(410);
    expect(again.html).toContain('This link has been used; it works only once.');
    const posted = await agent.request(`${sso.issuer}/register/verify`, {
      method: 'POST',
      body: new URLSearchParams({ token: new URL(link).searchParams.get('token')! }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(posted.status).toBe(410);
  });

  test(`throttled like reset: ${ADDRESS_LIMIT} requests per client address, then 429`, async () => {
    const { name, address } = fresh();
    const agent = browser(address);
    const statuses = [];
    for (let i = 0; i <= ADDRESS_LIMIT; i++) {
      statuses.push(
        (await register(agent, { username: `${name}-${i}`, email: `${name}-${i}@example.test` }))
          .status,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    await sso.background.idle();
    expect(mailbox.to(`${name}-${ADDRESS_LIMIT}@example.test`)).toHaveLength(0);
    expect(mailbox.to(`${name}-0@example.test`)).toHaveLength(1);
  });
});
