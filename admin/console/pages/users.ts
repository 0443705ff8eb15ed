// Console pages for people: list with search and paging, create, edit the profile and groups,
// disable and enable (ending their sessions), set a password or mail a reset link, unlock, delete;
// their sessions and the apps they allowed, each revocable, and "sign out everywhere".
import type { UserChanges, UserInput } from '../../../provider/administration/operations.ts';
import type { UserView } from '../../../provider/administration/views.ts';
import { errorKind } from '../../../provider/error-kinds.ts';
import { formError, type Page, type PageRouter } from '../console.ts';
import { checked, lines, queryParam, text, version } from '../forms.ts';

/** The profile fields the console edits (the CLI and API reach the rest). */
const PROFILE = ['name', 'givenName', 'familyName', 'nickname', 'locale', 'zoneinfo'] as const;

/** Registers the user pages. */
export function userPages(pages: PageRouter): void {
  pages.get('/users', async ({ ctx, admin, render }) => {
    const search = queryParam(ctx.query, 'q');
    const cursor = queryParam(ctx.query, 'cursor');
    const list = await admin.users.list({
      limit: 50,
      ...(search ? { search } : {}),
      ...(cursor ? { cursor } : {}),
    });
    await render('users', { title: 'Users', nav: 'users', list, search });
  });

  pages.get('/users/new', async ({ render }) => {
    await render('user-new', { title: 'New user', nav: 'users', values: {} });
  });

  pages.post('/users', async ({ form, admin, render, redirect }) => {
    const input: UserInput = {
      username: text(form, 'username'),
      email: text(form, 'email'),
      emailVerified: checked(form, 'emailVerified'),
      groups: lines(form, 'groups'),
      ...profile(form),
    };
    const password = text(form, 'password');
    if (password) input.password = password;
    try {
      const user = await admin.users.create(input);
      redirect(`/users/${user.id}`, `Created ${user.username}.`);
    } catch (error) {
      const message = formError(error);
      if (!message) throw error;
      const { password: _dropped, ...values } = form;
      await render('user-new', { title: 'New user', nav: 'users', values, error: message }, 400);
    }
  });

  pages.get('/users/:id', async (page) => {
    await showUser(page, await page.admin.users.get(idOf(page)));
  });

  pages.post('/users/:id', async (page) => {
    const { form, admin } = page;
    const id = idOf(page);
    const changes: UserChanges = {
      email: text(form, 'email'),
      emailVerified: checked(form, 'emailVerified'),
      groups: lines(form, 'groups'),
      mfaRequired: checked(form, 'mfaRequired'),
      ...profile(form),
    };
    // A new address is unverified unless the box says otherwise; the rule is the service's.
    const current = await admin.users.get(id);
    if (changes.email?.toLowerCase() !== current.email && !checked(form, 'emailVerified')) {
      delete changes.emailVerified;
    }
    await change(page, id, () => admin.users.update(id, changes, version(form)), 'Saved.');
  });

  pages.post('/users/:id/disable', async (page) => {
    const id = idOf(page);
    await change(
      page,
      id,
      () => page.admin.users.update(id, { disabled: true }, version(page.form)),
      'Disabled: their sessions have ended and they cannot sign in.',
    );
  });
  pages.post('/users/:id/enable', async (page) => {
    const id = idOf(page);
    await change(
      page,
      id,
      () => page.admin.users.update(id, { disabled: false }, version(page.form)),
      'Enabled.',
    );
  });
  pages.post('/users/:id/password', async (page) => {
    const id = idOf(page);
    const password = text(page.form, 'password');
    if (password !== text(page.form, 'repeat')) {
      await showUser(page, await page.admin.users.get(id), 'The two passwords differ.', 400);
      return;
    }
    await change(page, id, () => page.admin.users.setPassword(id, password), 'Password set.');
  });
  pages.post('/users/:id/password-reset', async (page) => {
    const id = idOf(page);
    try {
      const sent = await page.admin.users.sendPasswordReset(id);
      page.redirect(`/users/${id}`, `Sent a password-reset link to ${sent.email}.`);
    } catch (error) {
      // Not delivered is worth saying on the page too, as a 503: the mail server may come back.
      const known = errorKind(error);
      const message = known.kind === 'undelivered' ? known.message : formError(error);
      if (!message) throw error;
      const status = known.kind === 'undelivered' ? 503 : 400;
      await showUser(page, await page.admin.users.get(id), message, status);
    }
  });
  pages.post('/users/:id/unlock', async (page) => {
    const id = idOf(page);
    const unlocked = await page.admin.users.unlock(id);
    page.redirect(
      `/users/${id}`,
      unlocked.lifted ? 'Sign-in pause lifted.' : 'They were not paused.',
    );
  });
  pages.post('/users/:id/second-factors/reset', async (page) => {
    const id = idOf(page);
    await page.admin.users.resetSecondFactors(id);
    page.redirect(
      `/users/${id}`,
      'Second factors removed: a new one is set up at the next sign-in that needs one.',
    );
  });
  pages.post('/users/:id/signout', async (page) => {
    const id = idOf(page);
    const result = await page.admin.users.signOutEverywhere(id);
    const told = result.notified.length ? ` Told ${result.notified.join(', ')}.` : '';
    const failed = result.failed.length ? ` Could not reach ${result.failed.join(', ')}.` : '';
    page.redirect(`/users/${id}`, `Signed out of ${result.sessions} session(s).${told}${failed}`);
  });
  pages.post('/users/:id/sessions/:uid/end', async (page) => {
    const id = idOf(page);
    await page.admin.users.endSession(id, paramOf(page, 'uid'));
    page.redirect(`/users/${id}`, 'Session ended.');
  });
  pages.post('/users/:id/grants/:grantId/revoke', async (page) => {
    const id = idOf(page);
    await page.admin.users.revokeGrant(id, paramOf(page, 'grantId'));
    page.redirect(`/users/${id}`, 'Access revoked.');
  });

  pages.get('/users/:id/delete', async (page) => {
    const user = await page.admin.users.get(idOf(page));
    await page.render('confirm', {
      title: `Delete ${user.username}?`,
      nav: 'users',
      message:
        'The account is deleted with its sessions, grants and tokens; the applications registered for back-channel logout are told. Disabling keeps the account and can be undone.',
      action: `/users/${user.id}/delete`,
      confirm: 'Delete the user',
      back: `/users/${user.id}`,
    });
  });
  pages.post('/users/:id/delete', async (page) => {
    const removed = await page.admin.users.remove(idOf(page));
    page.redirect('/users', `Deleted ${removed.username}.`);
  });
}

// Runs a change of user `id`; a refused change shows the user page with the reason.
async function change(
  page: Page,
  id: string,
  run: () => Promise<unknown>,
  notice: string,
): Promise<void> {
  try {
    await run();
    page.redirect(`/users/${id}`, notice);
  } catch (error) {
    const message = formError(error);
    if (!message) throw error;
    await showUser(page, await page.admin.users.get(id), message, 400);
  }
}

async function showUser(page: Page, user: UserView, error?: string, status = 200): Promise<void> {
  const [sessions, grants] = await Promise.all([
    page.admin.users.sessions(user.id),
    page.admin.users.grants(user.id),
  ]);
  await page.render(
    'user',
    { title: user.username, nav: 'users', user, sessions, grants, error, profile: PROFILE },
    status,
  );
}

function profile(form: Record<string, unknown>): Partial<Record<(typeof PROFILE)[number], string>> {
  return Object.fromEntries(PROFILE.map((field) => [field, text(form, field)]));
}

function idOf(page: Page): string {
  return paramOf(page, 'id');
}

function paramOf(page: Page, name: string): string {
  return String((page.ctx.params as Record<string, string>)[name] ?? '');
}
