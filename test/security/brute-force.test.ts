// Guessing passwords and device codes, as an attacker would: many attempts from one address, against
// a real account and an unknown one, while the real user signs in from another address. Addresses
// are real: requests leave from different loopback addresses (127.0.0.x).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import * as oidc from 'openid-client';
import { cliSandboxFor } from '../cli/cli-process.ts';
import { authorizationRequest, discover, REDIRECT_URI, signIn } from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, page, UserAgent, type Page } from '../support/user-agent.ts';

type Outcome = 'signed-in' | 'wrong' | 'refused';

interface Attacker {
  agent: UserAgent;
  loginPage: Page;
}

// The text of the login page's error box.
function loginError(html: string): string {
  return /id="login-error">([^<]*)</.exec(html)?.[1]?.replace(/&#39;/g, "'") ?? '';
}

describeEachBackend('password guessing (%s store)', (backend) => {
  let sso: TestSso;
  let config: oidc.Configuration;
  let victim: { username: string; password: string };

  beforeAll(async () => {
    // Waits capped at 3 s keep the run short; the rules are the defaults otherwise (3 free
    // failures, lockout after 10 for 15 minutes).
    sso = await startTestSso({ backend, env: { SSO_LOGIN_MAX_DELAY: '3s' } });
    victim = await sso.user({ username: 'victim' });
    const web = await sso.client({
      type: 'confidential',
      name: 'Web',
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    });
    config = await discover(sso.issuer, web.clientId, web.secret);
  });
  afterAll(async () => {
    await sso.stop();
  });

  const origin = () => new URL(sso.issuer).origin;

  const attacker = async (localAddress: string): Promise<Attacker> => {
    const agent = new UserAgent({ ssoOrigin: origin(), localAddress });
    return { agent, loginPage: await newLoginPage(agent) };
  };

  const newLoginPage = async (agent: UserAgent) =>
    page(await agent.open((await authorizationRequest(config)).url.href));

  // One guess; a patient attacker waits out short pauses (as Retry-After says) before the next.
  const guess = async (who: Attacker, login: string, password: string) => {
    const result = await who.agent.submit(formTo(who.loginPage, '/login'), { login, password });
    if ('left' in result) return { outcome: 'signed-in' as Outcome, message: '' };
    const message = loginError(result.html);
    const retryAfter = Number(result.headers.get('retry-after') ?? 0);
    if (result.status === 429) {
      expect(retryAfter).toBeGreaterThan(0);
      if (retryAfter <= 3) await sleep(retryAfter * 1000);
      return { outcome: 'refused' as Outcome, message };
    }
    expect(result.status).toBe(200);
    const wait = /Wait (\d+) seconds?/.exec(message)?.[1];
    if (wait) await sleep(Number(wait) * 1000);
    return { outcome: 'wrong' as Outcome, message };
  };

  // 1,000 guesses at `login` from `address`, 20 per sign-in page (50 pages), the right password
  // among them at the 500th and the last.
  const thousandGuesses = async (address: string, login: string, right: string) => {
    const who = await attacker(address);
    const outcomes: Record<Outcome, number> = { 'signed-in': 0, wrong: 0, refused: 0 };
    const messages: string[] = [];
    for (let n = 0; n < 1000; n++) {
      if (n > 0 && n % 20 === 0) who.loginPage = await newLoginPage(who.agent);
      const password = n === 499 || n === 999 ? right : `guess-${n}`;
      const { outcome, message } = await guess(who, login, password);
      outcomes[outcome]++;
      if (messages.at(-1) !== message) messages.push(message);
    }
    return { outcomes, messages };
  };

  test('1,000 guesses get nowhere, an unknown account is treated alike, the real user signs in from elsewhere', async () => {
    const [known, unknown] = await Promise.all([
      thousandGuesses('127.0.0.1', 'victim', victim.password),
      thousandGuesses('127.0.0.3', 'nobody-here', victim.password),
    ]);
    // Ten wrong passwords were checked, the rest refused without a check: the right password,
    // tried twice after the lockout, never got in.
    expect(known.outcomes).toEqual({ 'signed-in': 0, wrong: 10, refused: 990 });
    expect(unknown.outcomes).toEqual(known.outcomes);
    // The pages said so in plain words, and said the same whether the account exists or not.
    expect(known.messages).toEqual([
      'Incorrect username or password.',
      'Incorrect username or password. Wait 1 second before trying again.',
      'Incorrect username or password. Wait 2 seconds before trying again.',
      'Incorrect username or password. Wait 3 seconds before trying again.',
      'Incorrect username or password. Too many failed attempts. Signing in from here is paused for 15 minutes; an administrator can lift the pause sooner.',
      'Too many failed attempts. Signing in from here is paused for 15 minutes; an administrator can lift the pause sooner.',
    ]);
    expect(unknown.messages).toEqual(known.messages);

    // Meanwhile the real user, on another network, signs in.
    const real = new UserAgent({ ssoOrigin: origin(), localAddress: '127.0.0.2' });
    const request = await authorizationRequest(config);
    const callback = await signIn(real, request.url, {
      login: 'victim',
      password: victim.password,
    });
    expect(callback.searchParams.get('code')).toBeTruthy();

    const events = await sso.audit.list({ user: 'victim', limit: 2000 });
    const count = (type: string, ip: string) =>
      events.filter((e) => e.type === type && e.ip === ip).length;
    expect(count('login.lockout', '127.0.0.1')).toBe(1);
    // Stored: each checked failure and the lockout (refused attempts go to the log only).
    expect(count('login.failure', '127.0.0.1')).toBe(10);
    expect(count('login.success', '127.0.0.2')).toBe(1);
  }, 180_000);

  test('an immediate retry during a wait is refused with 429 and Retry-After', async () => {
    const who = await attacker('127.0.0.4');
    const user = await sso.user({ username: 'waiter' });
    for (let i = 0; i < 3; i++) await guess(who, user.username, 'wrong-password');
    // The fourth failure starts a wait of 1 s; the fifth (2 s) and sixth (3 s, the cap) longer.
    await who.agent.submit(formTo(who.loginPage, '/login'), {
      login: user.username,
      password: 'wrong-password',
    });
    await sleep(1100);
    const fifth = page(
      await who.agent.submit(formTo(who.loginPage, '/login'), {
        login: user.username,
        password: 'wrong-password',
      }),
    );
    expect(loginError(fifth.html)).toMatch(/Wait 2 seconds before trying again/);
    const refused = page(
      await who.agent.submit(formTo(who.loginPage, '/login'), {
        login: user.username,
        password: user.password,
      }),
    );
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(loginError(refused.html)).toMatch(
      /^Too many failed attempts\. Wait \d seconds?, then try again\.$/,
    );
    await sleep(Number(refused.headers.get('retry-after')) * 1000 + 100);
    // Once the wait is over the right password works, and clears the failures.
    const after = await who.agent.submit(formTo(who.loginPage, '/login'), {
      login: user.username,
      password: user.password,
    });
    expect('left' in after).toBe(true);
  });
});

describeEachBackend(
  'lockouts: unlock, per-address limit, device codes, instances (%s store)',
  (backend) => {
    let sso: TestSso;
    let config: oidc.Configuration;

    beforeAll(async () => {
      sso = await startTestSso({
        backend,
        env: {
          SSO_LOGIN_DELAY_AFTER: '100',
          SSO_LOGIN_LOCKOUT_AFTER: '3',
          SSO_LOGIN_ADDRESS_LIMIT: '8',
          SSO_DEVICE_CODE_LIMIT: '3',
        },
      });
      const web = await sso.client({
        type: 'confidential',
        name: 'Web',
        grantTypes: ['authorization_code'],
        redirectUris: [REDIRECT_URI],
        firstParty: true,
      });
      config = await discover(sso.issuer, web.clientId, web.secret);
    });
    afterAll(async () => {
      await sso.stop();
    });

    const origin = () => new URL(sso.issuer).origin;

    const attempt = async (agent: UserAgent, login: string, password: string, issuer = config) => {
      const loginPage = page(await agent.open((await authorizationRequest(issuer)).url.href));
      return agent.submit(formTo(loginPage, '/login'), { login, password });
    };

    const lockOut = async (agent: UserAgent, login: string) => {
      for (let i = 0; i < 3; i++) await attempt(agent, login, 'wrong-password');
      const locked = page(await attempt(agent, login, 'anything-at-all'));
      expect(locked.status).toBe(429);
    };

    test('"sso users unlock" in another process lifts a lockout', async () => {
      const user = await sso.user({ username: 'forgetful', email: 'forgetful@example.test' });
      const agent = new UserAgent({ ssoOrigin: origin(), localAddress: '127.0.0.10' });
      await lockOut(agent, 'forgetful@example.test');
      expect(page(await attempt(agent, 'forgetful', user.password)).status).toBe(429);

      const cli = cliSandboxFor(sso.storeEnv);
      const result = await cli.run(['users', 'unlock', 'forgetful', '--json']);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual({
        username: 'forgetful',
        lifted: true,
        addressLifted: false,
      });
      expect('left' in (await attempt(agent, 'forgetful', user.password))).toBe(true);
      const [unlock] = await sso.audit.list({ type: 'login.unlock', limit: 1 });
      expect(unlock).toMatchObject({ username: 'forgetful', accountId: user.id });
      expect(unlock?.actor).toMatch(/^cli/);
    });

    test('one address failing across many accounts is blocked; other addresses are not', async () => {
      const agent = new UserAgent({ ssoOrigin: origin(), localAddress: '127.0.0.11' });
      for (let i = 0; i < 8; i++) {
        const wrong = page(await attempt(agent, `someone-${i}`, 'wrong-password'));
        expect(wrong.status).toBe(200);
      }
      const blocked = page(await attempt(agent, 'someone-else', 'wrong-password'));
      expect(blocked.status).toBe(429);
      expect(loginError(blocked.html)).toBe(
        'Too many failed attempts from your network. Try again in 1 hour.',
      );
      const user = await sso.user({ username: 'bystander' });
      const other = new UserAgent({ ssoOrigin: origin(), localAddress: '127.0.0.12' });
      expect('left' in (await attempt(other, 'bystander', user.password))).toBe(true);
    });

    test('guessing device codes: an address is blocked after 3 wrong codes; the right code works elsewhere', async () => {
      const tvClient = await sso.client({
        type: 'public',
        name: 'TV',
        grantTypes: ['device_code'],
      });
      const tv = await discover(sso.issuer, tvClient.clientId, undefined);
      const authorization = await oidc.initiateDeviceAuthorization(tv, { scope: 'openid' });
      const enter = async (agent: UserAgent, code: string) => {
        const codePage = page(await agent.open(authorization.verification_uri));
        return page(await agent.submit(formTo(codePage, '/device'), { user_code: code }));
      };
      const guesser = new UserAgent({ ssoOrigin: origin(), localAddress: '127.0.0.13' });
      for (const code of ['BCDF-GHJK', 'LMNP-QRST', 'VWXZ-BCDF']) {
        const wrong = await enter(guesser, code);
        expect(wrong.status).toBe(200);
        expect(wrong.html).toContain('That code is not valid');
      }
      const blocked = await enter(guesser, authorization.user_code);
      expect(blocked.status).toBe(429);
      expect(blocked.html).toContain('Too many failed attempts from your network');
      expect(blocked.html).not.toContain('TV'); // the right code did not get through

      const owner = new UserAgent({ ssoOrigin: origin(), localAddress: '127.0.0.14' });
      const confirm = await enter(owner, authorization.user_code);
      expect(confirm.status).toBe(200);
      expect(confirm.html).toContain('TV');
      const failures = await sso.audit.list({ type: 'device.code', ip: '127.0.0.13', limit: 10 });
      expect(failures.map((e) => e.type)).toEqual([
        'device.code.lockout',
        'device.code.failure',
        'device.code.failure',
      ]);
    });

    test('a second instance on the same store sees the same lockout', async () => {
      const second = await startTestSso({
        backend,
        sharing: sso,
        env: { SSO_LOGIN_DELAY_AFTER: '100', SSO_LOGIN_LOCKOUT_AFTER: '3' },
      });
      try {
        const user = await sso.user({ username: 'roamer' });
        const web2 = await second.client({
          type: 'confidential',
          grantTypes: ['authorization_code'],
          redirectUris: [REDIRECT_URI],
          firstParty: true,
        });
        const config2 = await discover(second.issuer, web2.clientId, web2.secret);
        const agent = new UserAgent({ ssoOrigin: origin(), localAddress: '127.0.0.15' });
        await lockOut(agent, 'roamer');
        const agent2 = new UserAgent({
          ssoOrigin: new URL(second.issuer).origin,
          localAddress: '127.0.0.15',
        });
        const refused = page(await attempt(agent2, 'roamer', user.password, config2));
        expect(refused.status).toBe(429);
        expect(loginError(refused.html)).toMatch(/paused for 15 minutes/);
      } finally {
        await second.stop();
      }
    });
  },
);
