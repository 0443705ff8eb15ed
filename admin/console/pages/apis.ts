// Console pages for APIs (resource servers): list, create with audience and scopes, edit the name,
// scopes, token lifetime, algorithm and format, delete (showing the applications that use it).
import type { ApiInput } from '../../../provider/apis/apis.ts';
import { parseDuration } from '../../../provider/durations.ts';
import { ValidationError } from '../../../provider/errors.ts';
import type { ApiView } from '../../../provider/administration/views.ts';
import { formError, type Page, type PageRouter } from '../console.ts';
import { lines, text, version } from '../forms.ts';

/** Registers the API pages. */
export function apiPages(pages: PageRouter): void {
  pages.get('/apis', async ({ admin, render }) => {
    await render('apis', { title: 'APIs', nav: 'apis', apis: await admin.apis.list() });
  });

  pages.get('/apis/new', async ({ render }) => {
    await render('api-new', { title: 'New API', nav: 'apis', values: {} });
  });

  pages.post('/apis', async ({ form, admin, render, redirect }) => {
    try {
      const input: ApiInput = {
        audience: text(form, 'audience'),
        name: text(form, 'name'),
        scopes: lines(form, 'scopes').flatMap((scope) => scope.split(/\s+/)),
        ...optionalSettings(form),
      };
      const api = await admin.apis.create(input);
      redirect(`/apis/${encodeURIComponent(api.audience)}`, 'API registered.');
    } catch (error) {
      const message = formError(error);
      if (!message) throw error;
      await render('api-new', { title: 'New API', nav: 'apis', values: form, error: message }, 400);
    }
  });

  pages.get('/apis/:audience', async (page) => {
    await showApi(page, await page.admin.apis.get(audienceOf(page)));
  });

  pages.post('/apis/:audience', async (page) => {
    const { form, admin } = page;
    const audience = audienceOf(page);
    try {
      await admin.apis.update(
        audience,
        {
          name: text(form, 'name'),
          scopes: lines(form, 'scopes').flatMap((scope) => scope.split(/\s+/)),
          ...optionalSettings(form),
        },
        version(form),
      );
      page.redirect(`/apis/${encodeURIComponent(audience)}`, 'Saved.');
    } catch (error) {
      const message = formError(error);
      if (!message) throw error;
      await showApi(page, await admin.apis.get(audience), message, 400);
    }
  });

  pages.get('/apis/:audience/delete', async (page) => {
    const api = await page.admin.apis.get(audienceOf(page));
    const users = api.usedBy ?? [];
    await page.render('confirm', {
      title: `Delete ${api.name ?? api.audience}?`,
      nav: 'apis',
      message: users.length
        ? `These applications use it and will no longer get tokens for it: ${users.join(', ')}. Tokens already issued stay valid until they expire.`
        : 'No application uses it. Tokens already issued stay valid until they expire.',
      action: `/apis/${encodeURIComponent(api.audience)}/delete`,
      confirm: 'Delete the API',
      back: `/apis/${encodeURIComponent(api.audience)}`,
    });
  });
  pages.post('/apis/:audience/delete', async (page) => {
    const removed = await page.admin.apis.remove(audienceOf(page));
    page.redirect('/apis', `Deleted ${removed.audience}.`);
  });
}

// Lifetime, algorithm and format when the form gives them.
function optionalSettings(form: Record<string, unknown>): Partial<ApiInput> {
  const settings: Partial<ApiInput> = {};
  const ttl = text(form, 'ttl');
  if (ttl) {
    const seconds = parseDuration(ttl);
    if (seconds === undefined) {
      throw new ValidationError('accessTokenTtl', `"${ttl}" is not a duration like 300, 5m or 1h`);
    }
    settings.accessTokenTtl = seconds;
  }
  const alg = text(form, 'alg');
  if (alg) settings.signingAlg = alg;
  const format = text(form, 'format');
  if (format) settings.tokenFormat = format;
  return settings;
}

async function showApi(page: Page, api: ApiView, error?: string, status = 200): Promise<void> {
  await page.render('api', { title: api.name ?? api.audience, nav: 'apis', api, error }, status);
}

function audienceOf(page: Page): string {
  return String((page.ctx.params as Record<string, string>).audience ?? '');
}
