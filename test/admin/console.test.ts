// The admin console's rules over HTTP, on both stores: who gets in, CSRF on every form, and when a
// console session ends (logout, idle and total lifetime on SSO's clock, the administrator disabled,
// taken out of the group or signed out everywhere). The browser test walks the pages themselves.
import { afterAll, afterEach, beforeAll, expect, test } from '@jest/globals';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, forms, page, UserAgent, type Page } from '../support/user-agent.ts';

const PASSWORD = 'console password 1';

describeEachBackend('admin console sessions (%s store)', (backend) => {
  let sso: TestSso;
  // Seconds by which the test has moved SSO's clock forward.
  let later = 0;
  let serial = 0;

  beforeAll(async () => {
    sso = await startTestSso({
      backend,
      env: { SSO_ADMIN_SESSION_IDLE: '10m', SSO_ADMIN_SESSION_TTL: '1h' },
      clock: () => Date.now() + later * 1000,
    });
  });
  afterAll(async () => {
    await sso?.stop();
  });
  afterEach(() => {
    later = 0;
  });

  const administrator = async () => {
    const username = `admin${++serial}`;
    const account = await sso.user({ username, groups: ['sso-admins'] }, PASSWORD);
    return { ...account, username };
  };

  // Opens the console in a fresh browser and signs in through SSO's login page.
  const signedIn = async (username: string): Promise<{ agent: UserAgent; home: Page }> => {
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const login = page(await agent.open(`${sso.issuer}/admin`));
    expect(login.html).toContain('name="password"');
    const home = page(
      await agent.submit(formTo(login, '/login'), { login: username, password: PASSWORD }),
    );
    return { agent, home };
  };

  const isConsole = (p: Page) => p.status === 200 && p.html.includes('id="signed-in-as"');
  const asksForPassword = (p: Page) =>
    p.html.includes('name="password"') && p.url.includes('/interaction/');

  test('an administrator signs in through SSO and lands on the console', async () => {
    const { username } = await administrator();
    const { home } = await signedIn(username);
    expect(isConsole(home)).toBe(true);
    expect(home.url).toBe(`${sso.issuer}/admin`);
    expect(home.html).toContain(`>${username}</span>`);
  });

  test('someone who is not an administrator gets a 403 page, and no console', async () => {
    const username = `person${++serial}`;
    await sso.user({ username }, PASSWORD);
    const { agent, home } = await signedIn(username);
    expect(home.status).toBe(403);
    expect(home.html).toContain('not an administrator');
    const users = page(await agent.open(`${sso.issuer}/admin/users`));
    expect(users.status).toBe(403);
    expect(users.html).not.toContain('id="users"');
  });

  test('a form without the session’s CSRF token, or a cross-site post, changes nothing', async () => {
    const { username } = await administrator();
    const { agent } = await signedIn(username);
    const form = formTo(page(await agent.open(`${sso.issuer}/admin/users/new`)), '/admin/users');
    const victim = `victim${++serial}`;
    const forged = page(await agent.submit(form, { username: victim, _csrf: 'guessed' }));
    expect(forged.status).toBe(403);
    expect(forged.html).toContain('nothing was changed');
    const crossSite = page(
      await agent.submit(form, { username: victim }, undefined, { crossSite: true }),
    );
    expect(crossSite.status).toBe(401);
    expect(await sso.accounts.findByLogin(victim)).toBeUndefined();
    // With the token, the same form works.
    const made = page(await agent.submit(form, { username: victim, emailVerified: '' }));
    expect(made.html).toContain(`Created ${victim}.`);
    expect(await sso.accounts.findByLogin(victim)).toBeDefined();
  });

  test('signing out ends the console session: its cookie opens nothing afterwards', async () => {
    const { username } = await administrator();
    const { agent, home } = await signedIn(username);
    const cookies = await agent.jar.getCookieString(`${sso.issuer}/admin`);
    const signOut = await agent.submit(formTo(home, '/admin/logout'));
    // SSO's own sign-out confirmation follows.
    expect(page(signOut).html).toContain('Sign out everywhere');
    const replay = await fetch(`${sso.issuer}/admin/users`, {
      headers: { cookie: cookies },
      redirect: 'manual',
    });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toMatch(new RegExp(`^${sso.issuer}/auth\\?`));
  });

  test('a console session ends after SSO_ADMIN_SESSION_IDLE unused, and after SSO_ADMIN_SESSION_TTL', async () => {
    const { username } = await administrator();
    const { agent } = await signedIn(username);
    later = 9 * 60; // used again within the idle time: still signed in
    expect(isConsole(page(await agent.open(`${sso.issuer}/admin/keys`)))).toBe(true);
    later = 9 * 60 + 11 * 60; // 11 minutes unused
    const idle = await agent.request(`${sso.issuer}/admin/keys`);
    expect(idle.status).toBe(303);

    later = 0;
    const second = await signedIn(username);
    for (const minutes of [9, 18, 27, 36, 45, 54]) {
      later = minutes * 60; // used every 9 minutes: never idle, but an hour in all is the end
      expect(isConsole(page(await second.agent.open(`${sso.issuer}/admin`)))).toBe(true);
    }
    later = 61 * 60;
    expect((await second.agent.request(`${sso.issuer}/admin`)).status).toBe(303);
  });

  test('disabling an administrator, taking them out of the group, or signing them out everywhere ends their console at once', async () => {
    const disabled = await administrator();
    const a = await signedIn(disabled.username);
    await sso.accounts.setDisabled(disabled.username, true);
    expect((await a.agent.request(`${sso.issuer}/admin`)).status).toBe(303);

    const demoted = await administrator();
    const b = await signedIn(demoted.username);
    await sso.accounts.update(demoted.username, { groups: [] });
    expect(page(await b.agent.open(`${sso.issuer}/admin`)).status).toBe(403);

    const signedOut = await administrator();
    const c = await signedIn(signedOut.username);
    await sso.sessions.signOutEverywhere(signedOut.id);
    const after = page(await c.agent.open(`${sso.issuer}/admin`));
    expect(asksForPassword(after)).toBe(true);
  });

  test("a second factor can be required of a user, and a user's lost factors removed", async () => {
    const { username } = await administrator();
    const { agent } = await signedIn(username);
    const target = await sso.user({ username: `factors${++serial}` }, PASSWORD);
    const userPage = page(await agent.open(`${sso.issuer}/admin/users/${target.id}`));
    expect(userPage.html).toContain('id="second-factors">none');
    const profileForm = forms(userPage).find((form) =>
      form.action.endsWith(`/admin/users/${target.id}`),
    )!;
    const saved = page(await agent.submit(profileForm, { mfaRequired: '1', emailVerified: '' }));
    expect(saved.html).toContain('Saved.');
    expect((await sso.accounts.get(target.id))?.mfaRequired).toBe(true);
    const account = (await sso.accounts.get(target.id))!;
    await sso.store.accounts.replace({
      ...account,
      totp: { secret: 'JBSWY3DPEHPK3PXP', confirmedAt: 1 },
    });
    const withFactor = page(await agent.open(`${sso.issuer}/admin/users/${target.id}`));
    expect(withFactor.html).toContain('authenticator app · required');
    const removed = page(await agent.submit(formTo(withFactor, '/second-factors/reset')));
    expect(removed.html).toContain('Second factors removed');
    expect((await sso.accounts.get(target.id))?.totp).toBeUndefined();
  });

  test('a change made from an out-of-date page is refused and shows the current values', async () => {
    const { username } = await administrator();
    const { agent } = await signedIn(username);
    const target = await sso.user({ username: `edited${++serial}`, name: 'First' }, PASSWORD);
    const editPage = page(await agent.open(`${sso.issuer}/admin/users/${target.id}`));
    const profileForm = forms(editPage).find((form) =>
      form.action.endsWith(`/admin/users/${target.id}`),
    )!;
    await sso.accounts.update(target.username, { name: 'Changed meanwhile' });
    const refused = page(await agent.submit(profileForm, { name: 'Overwrite', emailVerified: '' }));
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('Someone else changed this meanwhile');
    expect(refused.html).toContain('value="Changed meanwhile"');
    expect((await sso.accounts.get(target.id))?.name).toBe('Changed meanwhile');
  });
});
