// Console pages for applications (clients): list with search, create by kind, details with the
// discovery URL and an @sso/client snippet, edit, disable/enable, rotate the secret, delete.
import type { ClientInput } from '../../../provider/clients/clients.ts';
import type { ClientUpdate } from '../../../provider/administration/operations.ts';
import type { ClientView } from '../../../provider/administration/views.ts';
import { formError, type Page, type PageRouter } from '../console.ts';
import { checked, lines, queryParam, text, values, version } from '../forms.ts';
import { clientSnippet } from '../snippet.ts';

/** The kinds of app the console creates, and the registration each stands for. */
export const APP_KINDS = {
  web: {
    label: 'Web app (server-side, with a secret)',
    input: { type: 'confidential', grantTypes: ['authorization_code', 'refresh_token'] },
  },
  spa: {
    label: 'Single-page app (public, PKCE)',
    input: { type: 'public', grantTypes: ['authorization_code', 'refresh_token'] },
  },
  native: {
    label: 'Native or mobile app (public, PKCE)',
    input: { type: 'public', native: true, grantTypes: ['authorization_code', 'refresh_token'] },
  },
  machine: {
    label: 'Machine client (client credentials)',
    input: { type: 'confidential', grantTypes: ['client_credentials'] },
  },
  device: {
    label: 'Device (TV, CLI: device flow)',
    input: { type: 'public', grantTypes: ['device_code', 'refresh_token'] },
  },
} as const satisfies Record<string, { label: string; input: Omit<ClientInput, 'name'> }>;

type Kind = keyof typeof APP_KINDS;

const isKind = (value: string): value is Kind => value in APP_KINDS;

/** The kind of app `client` is, as the console names it. */
export function kindOf(client: ClientView): string {
  if (client.grantTypes.includes('client_credentials')) return 'Machine';
  if (client.grantTypes.includes('device_code')) return 'Device';
  if (client.applicationType === 'native') return 'Native';
  return client.type === 'public' ? 'Single-page' : 'Web';
}

/** Registers the application pages. */
export function appPages(pages: PageRouter): void {
  pages.get('/apps', async ({ ctx, admin, render }) => {
    const search = queryParam(ctx.query, 'q');
    const cursor = queryParam(ctx.query, 'cursor');
    const list = await admin.clients.list({
      limit: 25,
      ...(search ? { search } : {}),
      ...(cursor ? { cursor } : {}),
    });
    await render('apps', { title: 'Applications', nav: 'apps', list, search, kindOf });
  });

  pages.get('/apps/new', async (page) => {
    await showNew(page, {}, undefined);
  });

  pages.post('/apps', async (page) => {
    const { form, admin } = page;
    const kind = text(form, 'kind');
    if (!isKind(kind)) {
      await showNew(page, form, 'Choose what kind of application this is.', 400);
      return;
    }
    const input: ClientInput = {
      ...APP_KINDS[kind].input,
      grantTypes: [...APP_KINDS[kind].input.grantTypes],
      name: text(form, 'name'),
      firstParty: checked(form, 'firstParty'),
      requireMfa: checked(form, 'requireMfa'),
      allowedApis: values(form, 'apis'),
    };
    if (input.grantTypes.includes('authorization_code')) {
      input.redirectUris = lines(form, 'redirectUris');
      input.postLogoutRedirectUris = lines(form, 'postLogoutRedirectUris');
      const backchannel = text(form, 'backchannelLogoutUri');
      if (backchannel) input.backchannelLogoutUri = backchannel;
    }
    if (!input.name) {
      await showNew(page, form, 'Give the application a name.', 400);
      return;
    }
    try {
      const created = await admin.clients.create(input);
      await showCreated(page, created, created.clientSecret, 'created');
    } catch (error) {
      const message = formError(error);
      if (!message) throw error;
      await showNew(page, form, message, 400);
    }
  });

  pages.get('/apps/:id', async (page) => {
    await showApp(page, await page.admin.clients.get(param(page, 'id')));
  });

  pages.post('/apps/:id', async (page) => {
    const { form, admin } = page;
    const current = await admin.clients.get(param(page, 'id'));
    const changes: ClientUpdate = {
      name: text(form, 'name'),
      firstParty: checked(form, 'firstParty'),
      requireMfa: checked(form, 'requireMfa'),
      allowedApis: values(form, 'apis'),
    };
    if (current.grantTypes.includes('authorization_code')) {
      changes.redirectUris = lines(form, 'redirectUris');
      changes.postLogoutRedirectUris = lines(form, 'postLogoutRedirectUris');
      changes.backchannelLogoutUri = text(form, 'backchannelLogoutUri');
    }
    try {
      await admin.clients.update(current.clientId, changes, version(form));
      page.redirect(`/apps/${encodeURIComponent(current.clientId)}`, 'Saved.');
    } catch (error) {
      const message = formError(error);
      if (!message) throw error;
      await showApp(page, await admin.clients.get(current.clientId), message, 400);
    }
  });

  pages.post('/apps/:id/disable', async (page) => {
    await setDisabled(page, true);
  });
  pages.post('/apps/:id/enable', async (page) => {
    await setDisabled(page, false);
  });

  pages.post('/apps/:id/secret', async (page) => {
    const rotated = await page.admin.clients.rotateSecret(param(page, 'id'));
    await showCreated(page, rotated, rotated.clientSecret, 'rotated');
  });

  pages.get('/apps/:id/delete', async (page) => {
    const client = await page.admin.clients.get(param(page, 'id'));
    await page.render('confirm', {
      title: `Delete ${client.name ?? client.clientId}?`,
      nav: 'apps',
      message:
        'The application is removed with every grant and token issued to it. Its users are signed out of it, and registering the same client id again later brings nothing back.',
      action: `/apps/${encodeURIComponent(client.clientId)}/delete`,
      confirm: 'Delete the application',
      back: `/apps/${encodeURIComponent(client.clientId)}`,
    });
  });
  pages.post('/apps/:id/delete', async (page) => {
    const clientId = param(page, 'id');
    await page.admin.clients.remove(clientId);
    page.redirect('/apps', `Deleted ${clientId}.`);
  });
}

async function setDisabled(page: Page, disabled: boolean): Promise<void> {
  const clientId = param(page, 'id');
  try {
    await page.admin.clients.update(clientId, { disabled }, version(page.form));
    page.redirect(
      `/apps/${encodeURIComponent(clientId)}`,
      disabled ? 'Disabled: it can no longer sign anyone in or get tokens.' : 'Enabled.',
    );
  } catch (error) {
    const message = formError(error);
    if (!message) throw error;
    await showApp(page, await page.admin.clients.get(clientId), message, 400);
  }
}

async function showNew(
  page: Page,
  values: Record<string, unknown>,
  error: string | undefined,
  status = 200,
): Promise<void> {
  const apis = (await page.admin.apis.list()).filter((api) => !api.system);
  await page.render(
    'app-new',
    { title: 'New application', nav: 'apps', kinds: APP_KINDS, apis, values, error },
    status,
  );
}

async function showApp(
  page: Page,
  client: ClientView,
  error?: string,
  status = 200,
): Promise<void> {
  const apis = (await page.admin.apis.list()).filter((api) => !api.system);
  await page.render(
    'app',
    {
      title: client.name ?? client.clientId,
      nav: 'apps',
      client,
      kind: kindOf(client),
      apis,
      error,
      discovery: `${page.issuer}/.well-known/openid-configuration`,
      snippet: clientSnippet(page.issuer, client),
    },
    status,
  );
}

// The secret of a client just created or rotated: shown on this page only, never again.
async function showCreated(
  page: Page,
  client: ClientView,
  secret: string | undefined,
  how: 'created' | 'rotated',
): Promise<void> {
  page.ctx.set('Cache-Control', 'no-store');
  await page.render('app-secret', {
    title: how === 'created' ? 'Application created' : 'New secret',
    nav: 'apps',
    client,
    secret,
    how,
    discovery: `${page.issuer}/.well-known/openid-configuration`,
    snippet: clientSnippet(page.issuer, client),
  });
}

function param(page: Page, name: string): string {
  return String((page.ctx.params as Record<string, string>)[name] ?? '');
}
